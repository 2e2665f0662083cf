// Every op in gpu/ops/ rejects an operand it would read or write past its buffer before anything
// reaches the device: an EdgewiseError with code 'gpu-validation' whose one-line message names
// the op's label, the operand and the sizes. One case per kind of operand check (strided rows,
// a single row, a whole buffer, a uniform word).
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { packUniform } from '../../../gpu/ops/common.ts';
import { prepareElementwise } from '../../../gpu/ops/elementwise.ts';
import { prepareGemv } from '../../../gpu/ops/gemv.ts';
import { prepareGemm } from '../../../gpu/ops/gemm.ts';
import { prepareEmbedding } from '../../../gpu/ops/embedding.ts';
import { prepareRmsNorm } from '../../../gpu/ops/rmsnorm.ts';
import { prepareSsmConv } from '../../../gpu/ops/ssm-conv.ts';
import { prepareAttentionDecode } from '../../../gpu/ops/attention-decode.ts';
import { createKvCache } from '../../../gpu/ops/kv-cache.ts';
import { createStepBuffer } from '../../../gpu/ops/step.ts';
import { placeRows } from '../../../gpu/ops/rows.ts';
import { storageBuffer } from '../harness.ts';
import { opEnv } from '../transformer/env.ts';
import { randomWeight } from '../matmul/data.ts';

/** Runs `f` and returns what it threw (sync or async), failing the test if it did not throw. */
async function thrown(f: () => unknown): Promise<EdgewiseError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgewiseError);
    return e as EdgewiseError;
  }
  return expect.fail('expected a throw');
}

function expectValidation(e: EdgewiseError, ...parts: string[]): void {
  expect(e.code).toBe('gpu-validation');
  expect(e.message).not.toContain('\n');
  for (const p of parts) expect(e.message).toContain(p);
}

describe('op argument checks: EdgewiseError gpu-validation naming the label', () => {
  it('a strided view whose last row passes the end of its buffer (elementwise)', async () => {
    const env = await opEnv();
    const y = storageBuffer(env.ctx.device, 'ew.y', 4 * 45);   // 45 f32
    // 3 rows of 10 at offset 5, stride 20: the last row ends at element 5 + 2·20 + 10 = 55 > 45.
    const e = await thrown(() => prepareElementwise(env, { label: 'blk.7.ffn.swiglu', kind: 'scale_inplace', nRows: 3, width: 10, y: { buffer: y, offset: 5, stride: 20 }, scale: 2 }));
    expectValidation(e, 'blk.7.ffn.swiglu', 'y', '220 bytes', '"ew.y"', '180');
  });

  it('a stride narrower than the row it must hold (rmsnorm)', async () => {
    const env = await opEnv();
    const x = storageBuffer(env.ctx.device, 'norm.x', 4 * 1000);
    const e = await thrown(() => prepareRmsNorm(env, { label: 'blk.0.attn_norm', x: { buffer: x, stride: 8 }, y: { buffer: x }, nTokens: 3, rowLen: 16, eps: 1e-5 }));
    expectValidation(e, 'blk.0.attn_norm', 'x stride 8', '16 elements');
  });

  it('matrix activations past the buffer, f32 and at f16 element size (gemv, gemm)', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const w = randomWeight(device, 'Q8_0', 64, 12, 1).gpu;
    const small = storageBuffer(device, 'small.x', 4 * 64);
    const y = storageBuffer(device, 'mm.y', 4 * 12 * 40);
    const e1 = await thrown(() => prepareGemv(env, { label: 'blk.1.attn_q.weight', weight: w, x: { buffer: small, offset: 1 }, y: { buffer: y } }));
    expectValidation(e1, 'blk.1.attn_q.weight', 'x', '"small.x"', '260 bytes');
    const e2 = await thrown(() => prepareGemm(env, { label: 'blk.1.ffn_up.weight', weight: w, tokens: 40, x: { buffer: small }, y: { buffer: y } }));
    expectValidation(e2, 'blk.1.ffn_up.weight', 'x', '40×64');
  });

  it('ids past their buffer (embedding)', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const w = randomWeight(device, 'F32', 8, 10, 2).gpu;
    const ids = storageBuffer(device, 'ids', 4 * 4);
    const y = storageBuffer(device, 'embd.y', 4 * 8 * 5);
    const e = await thrown(() => prepareEmbedding(env, { label: 'embd', weight: w, ids: { buffer: ids, offset: 2 }, tokens: 5, y: { buffer: y } }));
    expectValidation(e, 'embd', 'ids', '"ids"');
  });

  it('a recurrent-layer slice past its buffer and a state too small (ssm-conv)', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const c = 45, dConv = 4, n = 3;
    const args = {
      label: 'blk.2.ssm_conv', channels: c, dConv, nTokens: n,
      x: { buffer: storageBuffer(device, 'a', 4 * n * 2 * c), offset: c, stride: 2 * c },
      weight: storageBuffer(device, 'conv1d', 4 * c * dConv), bias: storageBuffer(device, 'conv1d.bias', 4 * c),
      state: storageBuffer(device, 'conv_state', 4 * (dConv - 1) * c),
      y: { buffer: storageBuffer(device, 'b', 4 * n * c) },
    };
    // The x slice is the second half of each [x | z] row: in bounds exactly.
    await prepareSsmConv(env, args);
    const e1 = await thrown(() => prepareSsmConv(env, { ...args, x: { ...args.x, offset: c + 1 } }));
    expectValidation(e1, 'blk.2.ssm_conv', 'x', '"a"');
    const e2 = await thrown(() => prepareSsmConv(env, { ...args, state: storageBuffer(device, 'short_state', 4 * c) }));
    expectValidation(e2, 'blk.2.ssm_conv', 'state', '"short_state"');
  });

  it('a single-row view past its buffer (attention decode q)', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const cache = createKvCache(env, 'cache', 16, 2, 32, false);
    const q = storageBuffer(device, 'q', 4 * 4 * 32);
    const out = storageBuffer(device, 'out', 4 * 4 * 32);
    const e = await thrown(() => prepareAttentionDecode(env, { label: 'blk.3.attn', cache, step: createStepBuffer(device), q: { buffer: q, offset: 32 }, out: { buffer: out }, nHead: 4, scale: 1 }));
    expectValidation(e, 'blk.3.attn', 'q', '"q"');
  });

  it('the shared helpers: a negative offset, and a uniform word that is not a u32', async () => {
    const env = await opEnv();
    const b = storageBuffer(env.ctx.device, 'buf', 64);
    expectValidation(await thrown(() => placeRows('op.label', 'x', { buffer: b, offset: -1 }, 1, 4)), 'op.label', 'x offset -1');
    expectValidation(await thrown(() => packUniform('op.label', [['u32', 3], ['u32', -2]])), 'op.label', 'uniform field 1', '-2');
  });
});
