// Weight upload: bytes streamed in chunks of awkward sizes land unchanged in labelled buffers,
// split by whole rows when a binding limit (here artificially small) is passed.
import { describe, expect, it } from 'vitest';
import { planWeightParts, storedBytes, uploadWeight, weightGeometry, WeightUpload } from '../../../gpu/weights.ts';
import { gpuContext } from '../fixture.ts';
import { readBytes } from '../harness.ts';
import { rng, typeId } from './data.ts';

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

describe('weight upload', () => {
  it('plans even parts of whole rows within the limit (padded to words)', () => {
    const shape = { name: 'blk.0.ffn_up.weight', type: typeId('Q4_0'), dims: [64, 45] };  // 2 blocks of 18 bytes, stored as 20
    expect(planWeightParts(shape, 1 << 30)).toEqual([{ rowStart: 0, rows: 45 }]);
    const parts = planWeightParts(shape, 10 * 40 + 3);
    expect(parts.map((p) => p.rows)).toEqual([9, 9, 9, 9, 9]);
    expect(() => planWeightParts(shape, 39)).toThrow(/one row is 40 bytes/);
    expect(() => planWeightParts({ ...shape, dims: [48, 2] }, 1 << 20)).toThrow(/not a whole number of Q4_0 blocks/);
    expect(() => planWeightParts({ ...shape, type: typeId('IQ2_XXS'), dims: [256, 2] }, 1 << 20)).toThrow(/cannot read/);
  });

  it('streams chunks of any size into split, labelled buffers, byte for byte', async () => {
    const { device } = await gpuContext();
    const shape = { name: 'token_embd.weight', type: typeId('Q3_K'), dims: [256, 37] };  // 110-byte rows, stored as they are
    const bytes = randomBytes(110 * 37, 1);
    const upload = new WeightUpload(device, shape, 5 * 110);
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const n = [1, 3, 7, 64, 2, 5][i % 6];
      upload.write(bytes.slice(at, at + n));
      at += n;
    }
    const t = upload.finish();
    // 550 bytes allowed → 548 after word padding → 4 rows of 110 per part.
    expect(t.parts.map((p) => p.rows)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 1]);
    expect(t.parts.map((p) => p.buffer.label)).toEqual(t.parts.map((_, i) => `token_embd.weight[${i}]`));
    for (const p of t.parts) {
      const got = await readBytes(device, p.buffer, p.rows * 110);
      expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(p.rowStart * 110, (p.rowStart + p.rows) * 110))), `part at row ${p.rowStart}`).toBe(true);
    }
    const whole = uploadWeight(device, shape, bytes);
    expect(whole.parts.length).toBe(1);
    expect(whole.parts[0].buffer.label).toBe('token_embd.weight');
  });

  it('stores Q4_0, Q5_0, IQ4_NL, Q8_0 and Q6_K blocks padded to whole words, streamed in chunks that split blocks', async () => {
    const { device } = await gpuContext();
    const padded = [['Q4_0', 18, 2, 20], ['Q5_0', 22, 2, 24], ['IQ4_NL', 18, 2, 20], ['Q8_0', 34, 2, 36], ['Q6_K', 210, 210, 212]] as const;
    for (const [type, gguf, at, stored] of padded) {
      const block = type === 'Q6_K' ? 256 : 32;
      const k = 2 * block, rows = 7, blocks = 2 * rows;
      const shape = { name: `blk.0.${type}.weight`, type: typeId(type), dims: [k, rows] };
      expect(weightGeometry(shape).rowBytes * rows).toBe(blocks * stored);
      expect(storedBytes(shape.type, blocks * gguf)).toBe(blocks * stored);
      const bytes = randomBytes(blocks * gguf, 2);
      const upload = new WeightUpload(device, shape, 3 * weightGeometry(shape).rowBytes);
      for (let i = 0, n = 0; i < bytes.length; i += n, n = [1, 33, 5, 211, 2][i % 5]) upload.write(bytes.slice(i, i + n));
      const t = upload.finish();
      expect(t.parts.length).toBe(3);
      const want = new Uint8Array(blocks * stored);
      for (let b = 0; b < blocks; b++) {
        want.set(bytes.subarray(b * gguf, b * gguf + at), b * stored);
        want.set(bytes.subarray(b * gguf + at, (b + 1) * gguf), b * stored + at + 2);
      }
      for (const p of t.parts) {
        const rowBytes = weightGeometry(shape).rowBytes;
        const got = await readBytes(device, p.buffer, p.rows * rowBytes);
        expect(Buffer.from(got).equals(Buffer.from(want.subarray(p.rowStart * rowBytes, (p.rowStart + p.rows) * rowBytes))), `${type} part at row ${p.rowStart}`).toBe(true);
      }
      const short = new WeightUpload(device, shape);
      short.write(bytes.subarray(0, bytes.length - 1));
      expect(() => short.finish()).toThrow(/got/);
    }
  });

  it('rejects too few or too many bytes', async () => {
    const { device } = await gpuContext();
    const shape = { name: 'output.weight', type: typeId('F16'), dims: [3, 5] };
    const short = new WeightUpload(device, shape);
    short.write(new Uint8Array(29));
    expect(() => short.finish()).toThrow(/got 29 of its 30 bytes/);
    expect(() => uploadWeight(device, shape, new Uint8Array(31))).toThrow(/more bytes than its 30-byte size/);
  });
});
