// Seeded fuzzing of readGguf with damaged copies of real fixture headers (several architectures and
// tokenizers): byte flips, count/length fields overwritten with huge or negative-looking values,
// insertions, deletions and truncations. Every case must end in a valid parse or an EdgewiseError
// (GgufFormatError included): never another exception, never a read outside the file (the source
// below records any; since the reader sizes every allocation from bytes it has checked remain, an
// out-of-range read is how an oversized allocation would show), never a hang.
//
// Time: nothing here asserts on speed. The reader is linear in header bytes, so every case is a few
// milliseconds; cases over 100 ms are listed in the output, and only a case over 2 s fails, because
// that is no longer noise on a busy 2-core runner but the signature of super-linear work (a loop
// driven by an unchecked count), which is exactly the bug this test exists to catch.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { writeGguf } from '../../../model/gguf/writer.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import { GgufValueType, type ByteSource, type GgufFile, type GgufValue } from '../../../model/gguf/types.ts';
import { fixtureCases } from './fixtures.ts';
import { seededRandom } from '../../../engine/sampler.ts';

const MUTATIONS = 2400;
const TRUNCATIONS = 600;
const SLOW_MS = 100;
const HANG_MS = 2000;

const rng = seededRandom;  // mulberry32, as the sampler seeds it

interface Field { at: number; size: 4 | 8 }

/**
 * The offsets of every count, length, type and offset field of a valid GGUF header, found by an
 * independent walk (first 16 elements of each array, to keep vocabularies from dominating).
 */
function headerFields(b: Uint8Array): { fields: Field[]; headerEnd: number } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fields: Field[] = [{ at: 4, size: 4 }, { at: 8, size: 8 }, { at: 16, size: 8 }];
  const nTensors = Number(v.getBigUint64(8, true));
  const nKv = Number(v.getBigUint64(16, true));
  let pos = 24;
  const u64 = (record: boolean) => { if (record) fields.push({ at: pos, size: 8 }); const x = Number(v.getBigUint64(pos, true)); pos += 8; return x; };
  const u32 = (record: boolean) => { if (record) fields.push({ at: pos, size: 4 }); const x = v.getUint32(pos, true); pos += 4; return x; };
  const str = (record: boolean) => { const n = u64(record); pos += n; };
  const fixed: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const value = (type: number, record: boolean): void => {
    if (type === GgufValueType.STRING) return str(record);
    if (type !== GgufValueType.ARRAY) { pos += fixed[type]; return; }
    const elem = u32(record);
    const n = u64(record);
    if (fixed[elem] !== undefined) { pos += n * fixed[elem]; return; }
    for (let i = 0; i < n; i++) value(elem, record && i < 16);
  };
  for (let i = 0; i < nKv; i++) {
    str(true);
    value(u32(true), true);
  }
  for (let i = 0; i < nTensors; i++) {
    str(true);
    const nDims = u32(true);
    for (let d = 0; d < nDims; d++) u64(true);
    u32(true);
    u64(true);
  }
  return { fields, headerEnd: pos };
}

/** A valid, small vocabulary file in the style of a tokenizer fixture: its keys, arrays cut to `n`. */
async function shrunkVocab(bytes: Uint8Array, n: number): Promise<Uint8Array> {
  const f = await readGguf(memorySource(bytes));
  const metadata = new Map<string, GgufValue>();
  for (const [k, val] of f.metadata) {
    metadata.set(k, (Array.isArray(val) || ArrayBuffer.isView(val)) ? (val as unknown as { slice(a: number, b: number): GgufValue }).slice(0, n) : val);
  }
  return writeGguf({ metadata, metadataTypes: f.metadataTypes, arrayTypes: f.arrayTypes });
}

interface Seed { name: string; bytes: Uint8Array; fields: Field[]; headerEnd: number }

async function seeds(): Promise<{ valid: Seed[]; prefixes: Seed[] }> {
  const cases = fixtureCases();
  const file = (name: string) => new Uint8Array(readFileSync(cases.find((c) => c.name === name)!.gguf));
  const valid: Seed[] = [];
  for (const name of ['llama-F32', 'qwen3-Q4_K_M', 'mamba-Q5_1', 'mamba2-BF16', 'jamba_moe-Q8_0', 'granitehybrid-Q4_0', 'llama_rope_llama3-F32']) {
    const bytes = file(name);
    valid.push({ name, bytes, ...headerFields(bytes) });
  }
  for (const name of ['tok-bpe-qwen3', 'tok-spm-gemma3', 'tok-bpe-gpt2', 'tok-spm-phi3']) {
    const bytes = await shrunkVocab(file(name), 200);
    valid.push({ name: `${name} (200 tokens)`, bytes, ...headerFields(bytes) });
  }
  // Raw prefixes of whole vocabulary files: parsing runs into the cut inside a big array.
  const prefixes: Seed[] = ['tok-bpe-llama3', 'tok-spm-llama2', 'tok-bpe-deepseek-coder'].map((name) => {
    const bytes = file(name).subarray(0, 16 * 1024);
    return { name: `${name} (first 16 KiB)`, bytes, fields: [], headerEnd: bytes.length };
  });
  return { valid, prefixes };
}

type Mutation = { kind: string; bytes: Uint8Array };

const HUGE: bigint[] = [
  0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 2n ** 53n, 2n ** 53n + 1n, 2n ** 32n,
  0xffffffffn, 0x80000000n, 0xfffffffen, 0n, 1n, 5n, 65n,
];

function mutate(seed: Seed, r: () => number): Mutation {
  const { bytes, fields, headerEnd } = seed;
  const pick = (n: number) => Math.floor(r() * n);
  const kind = pick(5);
  if (kind === 0 || fields.length === 0) {
    const out = bytes.slice();
    const flips = 1 + pick(4);
    for (let i = 0; i < flips; i++) {
      const at = pick(headerEnd);
      out[at] = r() < 0.5 ? out[at] ^ (1 << pick(8)) : pick(256);
    }
    return { kind: 'flip', bytes: out };
  }
  if (kind === 1 || kind === 2) {
    const out = bytes.slice();
    const f = fields[pick(fields.length)];
    const v = new DataView(out.buffer);
    const choice = r();
    const value = choice < 0.6 ? HUGE[pick(HUGE.length)]
      : choice < 0.8 ? BigInt(bytes.length - f.at + pick(64) - 32 > 0 ? bytes.length - f.at + pick(64) - 32 : 0)
      : BigInt(pick(2 ** 31));
    if (f.size === 8) v.setBigUint64(f.at, value, true);
    else v.setUint32(f.at, Number(value & 0xffffffffn), true);
    return { kind: `field@${f.at}`, bytes: out };
  }
  if (kind === 3) {
    const at = pick(headerEnd);
    const n = 1 + pick(16);
    const out = new Uint8Array(bytes.length + n);
    out.set(bytes.subarray(0, at));
    for (let i = 0; i < n; i++) out[at + i] = pick(256);
    out.set(bytes.subarray(at), at + n);
    return { kind: `insert@${at}`, bytes: out };
  }
  const at = pick(headerEnd);
  const n = 1 + pick(16);
  const out = new Uint8Array(bytes.length - Math.min(n, bytes.length - at));
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + n), at);
  return { kind: `delete@${at}`, bytes: out };
}

/** A source that records (instead of serving) any read outside the file. */
function guardedSource(bytes: Uint8Array, violations: string[]): ByteSource {
  const inner = memorySource(bytes);
  return {
    size: bytes.length,
    read(offset, length) {
      if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
        violations.push(`read(${offset}, ${length}) outside a file of ${bytes.length} bytes`);
        return Promise.reject(new Error('out-of-range read'));
      }
      return inner.read(offset, length);
    },
  };
}

/** What a successful parse must satisfy whatever the input. */
function checkConsistent(f: GgufFile): string | undefined {
  if (f.dataOffset % f.alignment !== 0) return 'data offset not aligned';
  for (const t of f.tensors) {
    if (t.offset < f.dataOffset || t.offset + t.byteSize > f.fileSize) return `tensor ${t.name} outside the data section`;
    if (t.dims.length < 1 || t.dims.length > 4) return `tensor ${t.name} has ${t.dims.length} dims`;
  }
  return undefined;
}

describe('readGguf fuzzing', () => {
  it(`ends ${MUTATIONS} mutations and ${TRUNCATIONS} truncations of fixture headers in a parse or a typed error`, async () => {
    const { valid, prefixes } = await seeds();
    for (const s of valid) {
      expect(checkConsistent(await readGguf(memorySource(s.bytes))), s.name).toBeUndefined();
      expect(s.fields.length, s.name).toBeGreaterThan(20);
    }
    const failures: string[] = [];
    const slow: string[] = [];
    const outcomes = { parsed: 0, formatError: 0, otherEdgewiseError: 0 };
    const r = rng(20240611);

    async function run(label: string, bytes: Uint8Array) {
      const violations: string[] = [];
      const t0 = performance.now();
      try {
        const f = await readGguf(guardedSource(bytes, violations));
        const bad = checkConsistent(f);
        if (bad) failures.push(`${label}: parsed an inconsistent file: ${bad}`);
        outcomes.parsed++;
      } catch (e) {
        if (!(e instanceof EdgewiseError)) failures.push(`${label}: ${e instanceof Error ? e.stack : String(e)}`);
        else if (e.code === 'gguf-malformed') outcomes.formatError++;
        else outcomes.otherEdgewiseError++;
      }
      const ms = performance.now() - t0;
      if (ms > SLOW_MS) slow.push(`${label}: ${ms.toFixed(0)} ms`);
      if (ms > HANG_MS) failures.push(`${label}: took ${ms.toFixed(0)} ms (super-linear work?)`);
      for (const v of violations) failures.push(`${label}: ${v}`);
    }

    for (let i = 0; i < MUTATIONS; i++) {
      const s = valid[i % valid.length];
      const m = mutate(s, r);
      await run(`mutation ${i} of ${s.name} (${m.kind})`, m.bytes);
    }
    const all = [...valid, ...prefixes];
    for (let i = 0; i < TRUNCATIONS; i++) {
      const s = all[i % all.length];
      // Cuts anywhere in the header, including its very end (the first byte of tensor data).
      const cut = i < all.length ? s.headerEnd : Math.floor(r() * (s.headerEnd + 1));
      await run(`truncation of ${s.name} at ${cut}`, s.bytes.slice(0, cut));
    }

    if (slow.length > 0) console.warn(`readGguf fuzz: ${slow.length} case(s) over ${SLOW_MS} ms:\n${slow.join('\n')}`);
    expect(failures.slice(0, 20)).toEqual([]);
    // The corpus must exercise both outcomes, or the mutations are not reaching the parser.
    expect(outcomes.parsed).toBeGreaterThan(50);
    expect(outcomes.formatError).toBeGreaterThan(MUTATIONS / 2);
  }, 120_000);
});
