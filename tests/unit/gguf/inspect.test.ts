// `edgewise inspect`: the summary agrees with every fixture's manifest (in-process), and the built
// CLI exits 0 / 3 / 2 for a good file, a truncated file and bad usage.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGguf } from '../../../cli/commands/inspect.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { ggmlTypeByName, tensorBytes } from '../../../model/quant/types.ts';
import { fixtureCases } from './fixtures.ts';

const ROOT = join(import.meta.dirname, '../../..');

describe('inspectGguf on every fixture', () => {
  for (const c of fixtureCases()) {
    it(c.name, async () => {
      const bytes = new Uint8Array(readFileSync(c.gguf));
      const s = inspectGguf(await readGguf(memorySource(bytes)));
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      expect(s.fileSize).toBe(bytes.length);
      expect(s.ggufVersion).toBe(3);
      expect(s.unsupportedTensorTypes).toEqual([]);
      if (c.kind === 'tokenizer') {
        const v = c.manifest.vocab;
        expect(s.vocabSize).toBe(v.n_tokens);
        expect(s.tokenizerModel).toBe(v.model);
        expect(s.tokenizerPre).toBe(v.pre);
        expect(s.tensorCount).toBe(0);
        expect(s.tensorTypes).toEqual({});
        expect(s.architecture).not.toBeNull();
        return;
      }
      const m = c.manifest;
      expect(s.architecture).toBe(m.arch);
      expect(s.vocabSize).toBe(m.n_vocab);
      expect(s.tokenizerModel).toBe('llama');
      expect(s.contextLength).toBe(m.metadata[`${m.arch}.context_length`]);
      expect(s.chatTemplate).toBe(false);
      expect(Object.keys(s.hyperparameters).sort()).toEqual(Object.keys(m.metadata).sort());
      for (const [key, value] of Object.entries(m.metadata)) expect(s.hyperparameters[key], key).toEqual(value);
      const expected: Record<string, { count: number; bytes: number }> = {};
      for (const t of m.tensors as { ggml_ne: number[]; type: string }[]) {
        const row = (expected[t.type] ??= { count: 0, bytes: 0 });
        row.count++;
        row.bytes += tensorBytes(ggmlTypeByName(t.type)!, t.ggml_ne.reduce((a, b) => a * b, 1));
      }
      expect(s.tensorTypes).toEqual(expected);
      expect(s.tensorCount).toBe(m.tensors.length);
    });
  }
});

describe('edgewise inspect (built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-inspect-'));
  const good = fixtureCases().find((c) => c.name === 'qwen3-Q8_0')!;
  const run = (args: string[]) => promisify(execFile)('node', [join(ROOT, 'cli/edgewise.mjs'), ...args], { cwd: ROOT })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

  beforeAll(async () => {
    await promisify(execFile)('node', ['scripts/build-cli.mjs'], { cwd: ROOT });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object for a good file and exits 0', async () => {
    const r = await run(['inspect', good.gguf]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.architecture).toBe('qwen3');
    expect(s.tensorCount).toBe(good.manifest.tensors.length);
    expect(s.tensorTypes.Q8_0.count).toBe(good.manifest.tensors.filter((t: { type: string }) => t.type === 'Q8_0').length);
  }, 30_000);

  it('exits 3 with one stderr line naming an offset for a truncated file', async () => {
    const truncated = join(dir, 'truncated.gguf');
    writeFileSync(truncated, readFileSync(good.gguf).subarray(0, 3000));
    const r = await run(['inspect', truncated]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/malformed GGUF: .* at byte \d+: /);
  }, 30_000);

  it('exits 2 on bad usage', async () => {
    expect((await run(['inspect'])).code).toBe(2);
    expect((await run(['inspect', good.gguf, 'extra'])).code).toBe(2);
    expect((await run(['inspect', '--bogus', good.gguf])).code).toBe(2);
  }, 30_000);
});
