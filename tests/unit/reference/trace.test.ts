// The forward pass names its intermediate activations, so a mismatch can be traced to the first
// layer and op where two runs part.
import { describe, expect, it } from 'vitest';
import { referenceForward } from '../../../model/reference/forward.ts';
import { loadCase } from './fixture-model.ts';

interface Entry { layer: number; op: string; data: Float32Array }

function record(run: (trace: (layer: number, op: string, data: Float32Array) => void) => Float32Array): { entries: Entry[]; logits: Float32Array } {
  const entries: Entry[] = [];
  const logits = run((layer, op, data) => entries.push({ layer, op, data: Float32Array.from(data) }));
  return { entries, logits };
}

describe('reference forward trace', () => {
  it('reports every layer op with its shape, ending in the returned logits', async () => {
    for (const name of ['jamba_moe-F32', 'granitehybrid-F32']) {
      const c = await loadCase(name);
      const tokens: number[] = c.manifest.tokens.slice(0, 9);
      const { entries, logits } = record((trace) => referenceForward(c.plan, c.weights, tokens, undefined, { trace }));
      expect(entries[0]).toMatchObject({ layer: -1, op: 'embedding' });
      expect(entries.at(-1)?.op).toBe('logits');
      expect(entries.at(-1)?.data).toEqual(logits);
      for (const layer of c.plan.layers) {
        const ops = entries.filter((e) => e.layer === layer.index).map((e) => e.op);
        const mixerOps = layer.mixer.kind === 'attention' ? ['q', 'k', 'v', 'attn']
          : layer.mixer.kind === 'mamba1' ? ['ssm_conv', 'ssm_scan'] : ['ssm_conv', 'ssm_scan', 'ssm_norm'];
        const ffnOps = layer.ffn.kind === 'moe' ? ['ffn_moe_probs', 'ffn_out', 'ffn_residual'] : ['ffn_out', 'ffn_residual'];
        expect(ops, `layer ${layer.index}`).toEqual(['mixer_norm', ...mixerOps, 'mixer_out', 'mixer_residual', ...ffnOps]);
        for (const e of entries.filter((x) => x.layer === layer.index && x.op.endsWith('residual'))) {
          expect(e.data.length).toBe(tokens.length * c.plan.nEmbd);
        }
      }
    }
  });

  it('localizes a corrupted weight to its layer and op', async () => {
    const c = await loadCase('jamba-F32');
    const tokens: number[] = c.manifest.tokens.slice(0, 5);
    const attn = c.plan.layers.find((l) => l.mixer.kind === 'attention');
    if (!attn || attn.mixer.kind !== 'attention') throw new Error('jamba-F32 should have an attention layer');
    const target = attn.mixer.tensors.v;
    const corrupted = new Map(c.weights);
    const v = Float32Array.from(c.weights.get(target) ?? []);
    v[3] += 1;
    corrupted.set(target, v);
    const good = record((trace) => referenceForward(c.plan, c.weights, tokens, undefined, { trace }));
    const bad = record((trace) => referenceForward(c.plan, corrupted, tokens, undefined, { trace }));
    const first = good.entries.findIndex((e, i) => !bad.entries[i].data.every((x, j) => x === e.data[j]));
    expect(good.entries[first]).toMatchObject({ layer: attn.index, op: 'v' });
  });
});
