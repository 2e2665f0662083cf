// Facts each kind of layer implies, written once: how wide the rows it produces are (they size
// the shared activation buffers), what state a sequence keeps for it, and how many floats its KV
// cache stores per position. The memory plan, the GPU session, the CPU reference and the
// benchmark all read them from here.
import type { FfnPlan, Mamba1Mixer, Mamba2Mixer, MixerPlan, ModelPlan } from './plan.ts';

/**
 * Per-token widths (floats) of the four work buffers a layer writes besides the residual stream:
 *   a: fused projections (q|k|v, x|z, z|xBC|dt, gate|up)
 *   b: attention output, conv output, SwiGLU output
 *   c: [dt|B|C] (Mamba-1), Mamba-2 y, router logits
 *   d: projected dt (Mamba-1), router probabilities
 */
export interface ActivationWidths {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const NONE: ActivationWidths = { a: 1, b: 1, c: 1, d: 1 };

/** Channels of a Mamba-2 layer's causal conv: x, then B and C of every group. */
export function mamba2ConvChannels(m: Mamba2Mixer): number {
  return m.dInner + 2 * m.nGroup * m.dState;
}

/** Width of a Mamba-2 input projection's row: z | xBC | dt. */
export function mamba2ProjectionWidth(m: Mamba2Mixer): number {
  return m.dInner + mamba2ConvChannels(m) + m.nHead;
}

/** Width of a Mamba-1 x projection's row: dt | B | C. */
export function mamba1DbcWidth(m: Mamba1Mixer): number {
  return m.dtRank + 2 * m.dState;
}

export function mixerWidths(m: MixerPlan): ActivationWidths {
  switch (m.kind) {
    case 'attention':
      return { a: (m.nHead + 2 * m.nHeadKv) * m.headDim, b: m.nHead * m.headDim, c: 1, d: 1 };
    case 'mamba1':
      return { a: 2 * m.dInner, b: m.dInner, c: mamba1DbcWidth(m), d: m.dInner };
    case 'mamba2':
      return { a: mamba2ProjectionWidth(m), b: mamba2ConvChannels(m), c: m.dInner, d: 1 };
  }
}

/** An FFN runs one expert (or the shared one) at a time through a|b, so MoE widths are one expert's. */
export function ffnWidths(f: FfnPlan): ActivationWidths {
  if (f.kind === 'none') return NONE;
  const nFf = Math.max(f.nFf, f.kind === 'moe' && f.shared ? f.shared.nFf : 0);
  const router = f.kind === 'moe' ? f.nExpert : 1;
  return { a: 2 * nFf, b: nFf, c: router, d: router };
}

/** The widest row of each work buffer over all layers. */
export function activationWidths(plan: ModelPlan): ActivationWidths {
  const w = { ...NONE };
  for (const layer of plan.layers) {
    for (const x of [mixerWidths(layer.mixer), ffnWidths(layer.ffn)]) {
      w.a = Math.max(w.a, x.a);
      w.b = Math.max(w.b, x.b);
      w.c = Math.max(w.c, x.c);
      w.d = Math.max(w.d, x.d);
    }
  }
  return w;
}

/** Floats of a recurrent layer's state per sequence: [conv state, SSM state]. */
export function recurrentStateFloats(m: Mamba1Mixer | Mamba2Mixer): [number, number] {
  if (m.kind === 'mamba1') return [(m.dConv - 1) * m.dInner, m.dInner * m.dState];
  return [(m.dConv - 1) * mamba2ConvChannels(m), m.nHead * m.headDim * m.dState];
}

/** Floats one position adds to an attention layer's K cache (and as many to its V cache). */
export function kvFloatsPerPosition(m: MixerPlan): number {
  return m.kind === 'attention' ? m.nHeadKv * m.headDim : 0;
}

/** Most experts any token runs in one layer (sizes the router's top-k buffers). */
export function maxExpertsUsed(plan: ModelPlan): number {
  return Math.max(1, ...plan.layers.map((l) => (l.ffn.kind === 'moe' ? l.ffn.nExpertUsed : 1)));
}

/** Largest head count and head size of any attention layer (size the decode attention's partial sums). */
export function maxAttentionHeads(plan: ModelPlan): { nHead: number; headDim: number } {
  let nHead = 1, headDim = 1;
  for (const l of plan.layers) {
    if (l.mixer.kind !== 'attention') continue;
    nHead = Math.max(nHead, l.mixer.nHead);
    headDim = Math.max(headDim, l.mixer.headDim);
  }
  return { nHead, headDim };
}
