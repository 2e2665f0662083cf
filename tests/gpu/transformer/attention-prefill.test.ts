// Flash attention for prefill (shaders/attention-prefill.wgsl) on a real WebGPU device vs
// model/reference/attention.ts: odd chunk lengths (1, 7, 257, 600), head dims 64, 96 and 128, GQA
// ratios 1, 3 (Granite-4.0-H), 4, 32 (more heads than a tile's rows) and MQA; a chunk after earlier
// cache positions; one-shot = chunked for several chunk sizes; every tile of the preference list
// and its padding; f16 KV (lavapipe pass).
import { describe, it } from 'vitest';
import { headsPerWorkgroup, prefillTile, prepareAttentionPrefill, type PrefillTile } from '../../../gpu/ops/attention-prefill.ts';
import { createKvCache, prepareKvWrite, type KvCache } from '../../../gpu/ops/kv-cache.ts';
import type { OpEnv } from '../../../gpu/ops/common.ts';
import { createStepBuffer, writeStep } from '../../../gpu/ops/step.ts';
import { attention, type AttentionShape } from '../../../model/reference/attention.ts';
import { expectClose, readF32, runDispatches, storageBuffer } from '../harness.ts';
import { TOLERANCE } from '../../tolerances.ts';
import { needsF16 } from '../fixture.ts';
import { opEnv, randomF32 } from './env.ts';

interface Case { headDim: number; nHead: number; nHeadKv: number }

function shape(c: Case): AttentionShape {
  return { ...c, scale: 1 / Math.sqrt(c.headDim) };
}

function data(c: Case, n: number, seed: number) {
  return {
    q: randomF32(n * c.nHead * c.headDim, seed, -2, 2),
    k: randomF32(n * c.nHeadKv * c.headDim, seed + 1, -2, 2),
    v: randomF32(n * c.nHeadKv * c.headDim, seed + 2, -2, 2),
  };
}

/** Writes k, v rows [0, n) into a fresh cache through the kernel, as the scheduler does. */
async function filledCache(env: OpEnv, c: Case, step: GPUBuffer, k: Float32Array, v: Float32Array, n: number, f16: boolean): Promise<KvCache> {
  const { device } = env.ctx;
  const cache = createKvCache(env, f16 ? 'cache f16' : 'cache', n + 5, c.nHeadKv, c.headDim, f16);
  writeStep(device.queue, step, 0);
  await runDispatches(device, [await prepareKvWrite(env, {
    label: 'kv write', cache, step, nTokens: n, k: { buffer: storageBuffer(device, 'k', k) }, v: { buffer: storageBuffer(device, 'v', v) },
  })]);
  return cache;
}

/**
 * Prefill of all n rows of q in chunks of the given sizes (each after the earlier ones' cache
 * positions), q given as a slice of a wider fused row as in the graph; returns (n, nHead·headDim).
 */
async function prefill(env: OpEnv, cache: KvCache, step: GPUBuffer, c: Case, q: Float32Array, n: number, chunks: readonly number[], tile?: PrefillTile): Promise<Float32Array> {
  const { device } = env.ctx;
  const width = c.nHead * c.headDim, stride = width + 3, lead = 2;
  const wide = new Float32Array(n * stride);
  for (let t = 0; t < n; t++) wide.set(q.subarray(t * width, (t + 1) * width), t * stride + lead);
  const qb = storageBuffer(device, 'q', wide);
  const out = storageBuffer(device, 'out', n * width * 4);
  let from = 0;
  for (const size of chunks) {
    writeStep(device.queue, step, from);
    await runDispatches(device, [await prepareAttentionPrefill(env, {
      label: `prefill ${from}+${size}`, cache, step, nTokens: size, nHead: c.nHead, scale: shape(c).scale, tile,
      q: { buffer: qb, offset: from * stride + lead, stride }, out: { buffer: out, offset: from * width },
    })]);
    from += size;
  }
  if (from !== n) throw new Error(`chunks sum to ${from}, not ${n}`);
  return readF32(device, out, n * width);
}

function label(c: Case, n: number, f16 = false): string {
  return `hd${c.headDim} ${c.nHead}/${c.nHeadKv}${f16 ? ' f16' : ''} n${n}`;
}

// GQA ratios 1, 3, 4, MQA (8 and 6), 32.
const CASES: Case[] = [
  { headDim: 64, nHead: 4, nHeadKv: 4 },
  { headDim: 64, nHead: 12, nHeadKv: 4 },
  { headDim: 128, nHead: 8, nHeadKv: 2 },
  { headDim: 128, nHead: 8, nHeadKv: 1 },
  { headDim: 96, nHead: 6, nHeadKv: 1 },
  { headDim: 64, nHead: 32, nHeadKv: 1 },
];

describe('flash attention prefill vs the CPU reference', () => {
  for (const c of CASES) {
    for (const n of [1, 7, 257]) {
      it(`${label(c, n)}; chunked = one-shot`, async () => {
        const env = await opEnv();
        const step = createStepBuffer(env.ctx.device);
        const seed = c.headDim * 1000 + c.nHead * 10 + c.nHeadKv + n;
        const { q, k, v } = data(c, n, seed);
        const cache = await filledCache(env, c, step, k, v, n, false);
        const one = await prefill(env, cache, step, c, q, n, [n]);
        expectClose(one, attention(q, k, v, n, 0, shape(c)), TOLERANCE.f32Transcendental, label(c, n));
        // Chunk sizes that cut through tiles of every size used, and a one-token tail.
        const splits = n === 1 ? [] : n === 7 ? [[3, 4], [1, 1, 5]] : [[100, 157], [64, 64, 64, 64, 1], [31, 226]];
        for (const chunks of splits) {
          expectClose(await prefill(env, cache, step, c, q, n, chunks), one, TOLERANCE.f32, `${label(c, n)} in chunks ${chunks.join('+')}`);
        }
      });
    }
  }

  it('a chunk after 600 earlier cache positions (long-context shape) matches the reference rows', async () => {
    const env = await opEnv();
    const step = createStepBuffer(env.ctx.device);
    const c: Case = { headDim: 64, nHead: 12, nHeadKv: 4 };
    const n = 607, nPast = 600;
    const { q, k, v } = data(c, n, 77);
    const cache = await filledCache(env, c, step, k, v, n, false);
    const width = c.nHead * c.headDim;
    const got = (await prefill(env, cache, step, c, q, n, [nPast, n - nPast])).subarray(nPast * width);
    const want = attention(q.subarray(nPast * width), k, v, n - nPast, nPast, shape(c));
    expectClose(got, want, TOLERANCE.f32Transcendental, `${label(c, n - nPast)} after ${nPast}`);
  });

  // Every tile of the preference list, and paddings 0 and 2: one test each (a pipeline apiece).
  const tiles: PrefillTile[] = [[16, 32], [16, 16], [8, 32], [8, 16], [16, 8], [8, 8], [4, 16], [4, 8], [2, 8]].map(([rows, keys]) => ({ rows, keys, pad: 1 }));
  tiles.push({ rows: 16, keys: 16, pad: 0 }, { rows: 8, keys: 8, pad: 2 });
  for (const tile of tiles) {
    it(`tile ${tile.rows} rows × ${tile.keys} keys, pad ${tile.pad}`, async () => {
      const env = await opEnv();
      const step = createStepBuffer(env.ctx.device);
      const c: Case = { headDim: 64, nHead: 12, nHeadKv: 4 };
      const n = 45;
      const { q, k, v } = data(c, n, 5);
      const cache = await filledCache(env, c, step, k, v, n, false);
      expectClose(await prefill(env, cache, step, c, q, n, [n], tile), attention(q, k, v, n, 0, shape(c)), TOLERANCE.f32Transcendental, `${label(c, n)} tile ${tile.rows}×${tile.keys} pad ${tile.pad}`);
    });
  }

  it('tiles fit WebGPU default limits for head dims up to 256, and a GQA group splits into row-sized blocks', () => {
    const defaults = { maxComputeWorkgroupStorageSize: 16384 } as GPUSupportedLimits;
    for (const headDim of [32, 64, 80, 96, 128, 256]) {
      for (const f16 of [false, true]) prefillTile('t', headDim, f16, defaults);
    }
    const hg = [[1, 16], [3, 16], [4, 16], [32, 16], [6, 4], [7, 4]].map(([g, rows]) => headsPerWorkgroup(g, rows));
    if (hg.join() !== '1,3,4,16,3,1') throw new Error(`heads per workgroup ${hg.join()}`);
  });
});

describe('flash attention prefill, f16 KV cache (shader-f16)', () => {
  for (const c of CASES) {
    for (const n of [1, 7, 257]) {
      it(label(c, n, true), async (test) => {
        const env = await opEnv();
        needsF16(env.ctx, test, 'the f16 KV-cache prefill attention');
        const step = createStepBuffer(env.ctx.device);
        const { q, k, v } = data(c, n, c.headDim + c.nHead * 7 + n);
        const cache = await filledCache(env, c, step, k, v, n, true);
        const one = await prefill(env, cache, step, c, q, n, [n]);
        expectClose(one, attention(q, k, v, n, 0, shape(c)), TOLERANCE.f16, label(c, n, true));
        // The same f16 cache read in chunks: only the f32 summation order differs.
        if (n > 1) expectClose(await prefill(env, cache, step, c, q, n, n === 7 ? [3, 4] : [64, 64, 129]), one, TOLERANCE.f32, `${label(c, n, true)} chunked`);
      });
    }
  }
});
