// readGguf on every shared fixture against its manifest, and on hand-damaged copies of one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGguf, assertSupportedTensorTypes } from '../../../model/gguf/reader.ts';
import { blobSource, memorySource } from '../../../model/gguf/sources.ts';
import { nodeFileSource } from '../../../cli/file-source.ts';
import { ggmlType, ggmlTypeByName } from '../../../model/quant/types.ts';
import { EdgewiseError, GgufFormatError } from '../../../model/errors.ts';
import type { GgufValue } from '../../../model/gguf/types.ts';
import { writeGguf } from '../../../model/gguf/writer.ts';
import { fixtureBytes, fixtureCases } from './fixtures.ts';

const cases = fixtureCases();

/** Manifest metadata holds JSON numbers; the file holds f32 where the writer chose f32. */
function expectMetaEqual(key: string, actual: GgufValue | undefined, expected: unknown) {
  if (Array.isArray(expected)) {
    expect(actual, key).toBeDefined();
    const got = Array.from(actual as ArrayLike<number>);
    expect(got.length, key).toBe(expected.length);
    expected.forEach((e, i) => expect(got[i], `${key}[${i}]`).toBeCloseTo(e as number, 6));
  } else if (typeof expected === 'number') {
    expect(typeof actual, key).toBe('number');
    expect(Math.abs((actual as number) - expected), key).toBeLessThanOrEqual(Math.abs(expected) * 1e-7);
  } else {
    expect(actual, key).toEqual(expected);
  }
}

describe('readGguf on the shared fixtures', () => {
  it('knows every case of index.json', () => {
    expect(cases.length).toBeGreaterThan(70);
    expect(cases.filter((c) => c.kind === 'tokenizer').length).toBeGreaterThan(5);
  });

  for (const c of cases.filter((c) => c.kind === 'model')) {
    it(`${c.name}: metadata and tensor table match the manifest`, async () => {
      const bytes = new Uint8Array(readFileSync(c.gguf));
      const f = await readGguf(memorySource(bytes));
      const m = c.manifest;
      expect(f.version).toBe(3);
      expect(f.alignment).toBe(32);
      expect(f.fileSize).toBe(m.files.model.bytes);
      expect(f.metadata.get('general.architecture')).toBe(m.arch);
      expect(f.metadata.get('general.file_type')).toBe(m['general.file_type']);
      for (const [key, value] of Object.entries(m.metadata)) expectMetaEqual(key, f.metadata.get(key), value);
      expect((f.metadata.get('tokenizer.ggml.tokens') as string[]).length).toBe(m.n_vocab);
      expect(f.tensors.map((t) => t.name)).toEqual(m.tensors.map((t: { name: string }) => t.name));
      m.tensors.forEach((e: { name: string; ggml_ne: number[]; type: string }, i: number) => {
        const t = f.tensors[i];
        expect(t.dims, e.name).toEqual(e.ggml_ne);
        expect(ggmlType(t.type)?.name, e.name).toBe(e.type);
        expect(t.elements).toBe(e.ggml_ne.reduce((a, b) => a * b, 1));
        expect(t.offset % 32).toBe(0);
      });
      expect(f.dataOffset % 32).toBe(0);
      // The tensors tile the data section: the last one ends at the end of the file.
      const end = Math.max(...f.tensors.map((t) => t.offset + t.byteSize));
      expect(end).toBe(bytes.length);
      assertSupportedTensorTypes(f);
    });
  }

  for (const c of cases.filter((c) => c.kind === 'tokenizer')) {
    it(`${c.name}: vocabulary matches the manifest`, async () => {
      const src = await nodeFileSource(c.gguf);
      try {
        const f = await readGguf(src);
        const v = c.manifest.vocab;
        expect(f.tensors).toEqual([]);
        expect(f.fileSize).toBe(c.manifest.files.vocab.bytes);
        expect((f.metadata.get('tokenizer.ggml.tokens') as string[]).length).toBe(v.n_tokens);
        expect(f.metadata.get('tokenizer.ggml.model')).toBe(v.model);
        expect(f.metadata.get('tokenizer.ggml.pre')).toBe(v.pre);
        expect(f.metadata.get('tokenizer.ggml.bos_token_id')).toBe(v.bos);
        expect(f.metadata.get('tokenizer.ggml.eos_token_id')).toBe(v.eos);
        const types = f.metadata.get('tokenizer.ggml.token_type') as Int32Array;
        expect(types).toBeInstanceOf(Int32Array);
        expect(types.length).toBe(v.n_tokens);
      } finally {
        await src.close();
      }
    });
  }
});

describe('readGguf byte sources', () => {
  it('reads the same header through memory, Blob and file sources', async () => {
    const c = cases.find((x) => x.name === 'qwen3-Q4_K_M')!;
    const bytes = new Uint8Array(readFileSync(c.gguf));
    const a = await readGguf(memorySource(bytes));
    const b = await readGguf(blobSource(new Blob([bytes])));
    const file = await nodeFileSource(c.gguf);
    const d = await readGguf(file);
    await file.close();
    expect(b).toEqual(a);
    expect(d).toEqual(a);
  });

  it('reads only the header of a file, in bounded chunks', async () => {
    const bytes = fixtureBytes('llama-Q8_0');
    const reads: [number, number][] = [];
    const src = memorySource(bytes);
    const f = await readGguf({ size: bytes.length, read: (o, n) => { reads.push([o, n]); return src.read(o, n); } });
    const maxEnd = Math.max(...reads.map(([o, n]) => o + n));
    // One chunk past the header at most; a 2 GB file would read the same few hundred KB.
    expect(maxEnd).toBeLessThanOrEqual(Math.min(bytes.length, f.dataOffset + 256 * 1024));
    expect(reads.every(([, n]) => n <= 256 * 1024)).toBe(true);
  });
});

describe('readGguf on a 2 GiB file', () => {
  it('reads only its header', async () => {
    // A real header whose one F32 tensor is then declared 256 × 2^21 (2 GiB): the data is never read.
    const small = writeGguf({
      metadata: { 'general.architecture': 'llama', 'general.name': 'big' },
      tensors: [{ name: 'big.weight', dims: [256, 1], type: ggmlTypeByName('F32')!.id, bytes: new Uint8Array(1024) }],
    });
    const header = small.slice(0, (await readGguf(memorySource(small))).dataOffset);
    const ne1At = findInfoEnd(header, 'big.weight') - 12 - 8;
    new DataView(header.buffer).setBigUint64(ne1At, 2n ** 21n, true);
    const size = header.length + 2 ** 31;
    let bytesRead = 0;
    let maxEnd = 0;
    const source = {
      size,
      async read(offset: number, length: number) {
        bytesRead += length;
        maxEnd = Math.max(maxEnd, offset + length);
        const out = new Uint8Array(length);
        out.set(header.subarray(Math.min(offset, header.length), Math.min(offset + length, header.length)));
        return out;
      },
    };
    const f = await readGguf(source);
    expect(f.tensors[0].byteSize).toBe(2 ** 31);
    expect(f.tensors[0].offset + f.tensors[0].byteSize).toBe(size);
    expect(bytesRead).toBeLessThanOrEqual(256 * 1024);
    expect(maxEnd).toBeLessThanOrEqual(256 * 1024);
  });
});

/** A copy of a fixture with bytes replaced at `at`. */
function patched(bytes: Uint8Array, at: number, patch: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(patch, at);
  return out;
}

async function errorOf(bytes: Uint8Array): Promise<unknown> {
  try {
    await readGguf(memorySource(bytes));
  } catch (e) {
    return e;
  }
  throw new Error('expected readGguf to fail');
}

describe('readGguf refuses damaged files', () => {
  const good = fixtureBytes('llama-F32');

  it('names the magic', async () => {
    const e = await errorOf(patched(good, 0, [0x47, 0x47, 0x4d, 0x4c]));
    expect(e).toBeInstanceOf(GgufFormatError);
    expect((e as GgufFormatError).field).toBe('magic');
  });

  it('refuses big-endian files as unsupported, saying so', async () => {
    const e = await errorOf(patched(good, 4, [0, 0, 0, 3]));
    expect(e).toBeInstanceOf(EdgewiseError);
    expect(e).not.toBeInstanceOf(GgufFormatError);
    expect((e as EdgewiseError).code).toBe('gguf-unsupported');
    expect((e as Error).message).toMatch(/big-endian/);
  });

  it('refuses an unknown version', async () => {
    const e = await errorOf(patched(good, 4, [9, 0, 0, 0]));
    expect((e as GgufFormatError).field).toBe('version');
    expect((e as GgufFormatError).offset).toBe(4);
  });

  it('accepts version 2 with the same layout', async () => {
    const f = await readGguf(memorySource(patched(good, 4, [2, 0, 0, 0])));
    expect(f.version).toBe(2);
  });

  it('refuses a tensor count that cannot fit, before allocating', async () => {
    const e = await errorOf(patched(good, 8, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    expect((e as GgufFormatError).field).toBe('tensor count');
    expect((e as GgufFormatError).offset).toBe(8);
  });

  it('refuses a truncated header, naming where it ends', async () => {
    const f = await readGguf(memorySource(good));
    const e = await errorOf(good.subarray(0, f.dataOffset - 40));
    expect(e).toBeInstanceOf(GgufFormatError);
    expect((e as Error).message).toMatch(/at byte \d+/);
  });

  it('refuses tensor data that runs past the end of the file', async () => {
    const f = await readGguf(memorySource(good));
    const e = await errorOf(good.subarray(0, good.length - 1));
    expect((e as GgufFormatError).field).toBe(`tensor "${f.tensors[f.tensors.length - 1].name}" offset`);
  });

  it('names the tensor and the id of an unknown type', async () => {
    const f = await readGguf(memorySource(good));
    const last = f.tensors[f.tensors.length - 1];
    // The last tensor info ends with u32 type + u64 offset, right before the padding.
    const infoEnd = findInfoEnd(good, last.name);
    const e = await errorOf(patched(good, infoEnd - 12, [77, 0, 0, 0]));
    expect((e as Error).message).toContain(last.name);
    expect((e as Error).message).toContain('77');
  });

  it('parses known-but-unsupported types and refuses them in assertSupportedTensorTypes', async () => {
    const f = await readGguf(memorySource(good));
    const last = f.tensors[f.tensors.length - 1];
    const infoEnd = findInfoEnd(good, last.name);
    // I32 has F32's element size, so the layout stays valid.
    const g = await readGguf(memorySource(patched(good, infoEnd - 12, [ggmlTypeByName('I32')!.id, 0, 0, 0])));
    expect(() => assertSupportedTensorTypes(g)).toThrow(/I32/);
    try { assertSupportedTensorTypes(g); } catch (e) { expect((e as EdgewiseError).code).toBe('gguf-unsupported'); }
  });

  it('refuses overlapping tensors', async () => {
    const f = await readGguf(memorySource(good));
    const last = f.tensors[f.tensors.length - 1];
    const infoEnd = findInfoEnd(good, last.name);
    const e = await errorOf(patched(good, infoEnd - 8, [0, 0, 0, 0, 0, 0, 0, 0]));
    expect((e as Error).message).toMatch(/overlaps/);
  });
});

/** End of the tensor info of `name`: name, n_dims, ne[], type u32, offset u64. */
function findInfoEnd(bytes: Uint8Array, name: string): number {
  const enc = new TextEncoder().encode(name);
  for (let i = 0; i + enc.length < bytes.length; i++) {
    if (enc.every((b, k) => bytes[i + k] === b) && bytes[i - 8] === enc.length) {
      const nDims = bytes[i + enc.length];
      return i + enc.length + 4 + 8 * nDims + 4 + 8;
    }
  }
  throw new Error(`tensor info ${name} not found`);
}

describe('readGguf checks each field', () => {
  const f32 = ggmlTypeByName('F32')!.id;
  const q8 = ggmlTypeByName('Q8_0')!.id;
  const base = () => writeGguf({
    metadata: { 'a.x': 1, 'a.y': 2, 'a.flag': true },
    tensors: [
      { name: 'first', dims: [32], type: q8, bytes: new Uint8Array(34) },
      { name: 'second', dims: [8, 2], type: f32, bytes: new Uint8Array(64) },
    ],
  });
  const at = (bytes: Uint8Array, text: string) => {
    const enc = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i++) if (enc.every((b, k) => bytes[i + k] === b)) return i;
    throw new Error(`${text} not found`);
  };
  const put64 = (b: Uint8Array, i: number, v: bigint) => new DataView(b.buffer).setBigUint64(i, v, true);
  const put32 = (b: Uint8Array, i: number, v: number) => new DataView(b.buffer).setUint32(i, v, true);

  it('accepts the unmodified file', async () => {
    const f = await readGguf(memorySource(base()));
    expect(f.tensors.map((t) => [t.name, t.byteSize])).toEqual([['first', 34], ['second', 64]]);
    expect(f.metadata.get('a.flag')).toBe(true);
  });

  it('refuses a duplicate key', async () => {
    const b = base();
    b[at(b, 'a.y')] = 'a'.charCodeAt(0);
    b[at(b, 'a.y') + 2] = 'x'.charCodeAt(0);
    expect(await errorOf(b)).toMatchObject({ message: expect.stringMatching(/duplicate key "a\.x"/) });
  });

  it('refuses a bool that is neither 0 nor 1', async () => {
    const b = base();
    b[at(b, 'a.flag') + 6 + 4] = 2;
    expect(await errorOf(b)).toMatchObject({ field: 'metadata "a.flag"' });
  });

  it('refuses n_dims outside 1..4', async () => {
    for (const n of [0, 5]) {
      const b = base();
      put32(b, at(b, 'first') + 5, n);
      expect(await errorOf(b)).toMatchObject({ field: 'tensor "first" n_dims', offset: at(b, 'first') + 5 });
    }
  });

  it('refuses a row length that is not a whole number of blocks', async () => {
    const b = base();
    put64(b, at(b, 'first') + 9, 33n);
    expect(await errorOf(b)).toMatchObject({ message: expect.stringMatching(/33 is not a multiple of the Q8_0 block size 32/) });
  });

  it('refuses a zero or overflowing dimension', async () => {
    for (const ne of [0n, 2n ** 62n]) {
      const b = base();
      put64(b, at(b, 'second') + 6 + 4 + 8, ne);
      expect(await errorOf(b)).toMatchObject({ field: 'tensor "second" ne[1]' });
    }
  });

  it('refuses an unaligned tensor offset', async () => {
    const b = base();
    put64(b, at(b, 'second') + 6 + 4 + 16 + 4, 40n);
    expect(await errorOf(b)).toMatchObject({ message: expect.stringMatching(/not a multiple of the alignment 32/) });
  });

  it('refuses a bad general.alignment', async () => {
    const b = writeGguf({ metadata: { 'general.alignment': 24 } });
    expect(await errorOf(b)).toMatchObject({ field: 'general.alignment' });
  });

  it('refuses arrays nested too deep, and reads shallower nesting', async () => {
    let deep: GgufValue = new Int32Array([1]);
    for (let i = 0; i < 12; i++) deep = [deep];
    expect(await errorOf(writeGguf({ metadata: { deep } }))).toMatchObject({ message: expect.stringMatching(/nested/) });
    const ok: GgufValue = [[[new Int32Array([1])]]];
    expect((await readGguf(memorySource(writeGguf({ metadata: { ok } })))).metadata.get('ok')).toEqual(ok);
  });

  it('refuses an unknown metadata value type', async () => {
    const b = base();
    put32(b, at(b, 'a.x') + 3, 13);
    expect(await errorOf(b)).toMatchObject({ field: 'metadata "a.x" type', offset: at(b, 'a.x') + 3 });
  });
});
