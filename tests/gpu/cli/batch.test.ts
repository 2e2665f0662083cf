// `edgewise generate --batch prompts.jsonl`: every line its own sequence of one loaded model,
// all run at once; one JSON line out per line in, in input order, each equal (greedy) to a
// separate run of that prompt. Bad batch files exit 2 before the model loads.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from '../../support/cli.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';

const GPU_RUN = 240_000;
const modelPath = (name: string) => join(FIXTURES, name, 'model.gguf');
const tokensOf = (name: string): number[] => JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8')).tokens;

describe('edgewise generate --batch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-batch-'));
  beforeAll(buildCli, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['granitehybrid-F32'])('each line equals its separate run (%s)', async (name) => {
    const tokens = tokensOf(name);
    const lines = [
      { tokens: tokens.slice(0, 4) },
      { prompt: 'The quick brown fox', maxTokens: 5 },
      { tokens: tokens.slice(3), maxTokens: 9 },
      { chat: 'Hello there' },
    ];
    const file = join(dir, `${name}.jsonl`);
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n');
    const common = ['--temperature', '0', '--max-tokens', '7', '--json'];
    const batch = await runCli(['generate', modelPath(name), '--batch', file, ...common]);
    expect(batch.code, batch.stderr).toBe(0);
    const out = batch.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(lines.length);
    for (const [i, line] of lines.entries()) {
      const prompt = line.tokens ? ['--tokens', line.tokens.join(',')] : line.prompt !== undefined ? ['--prompt', line.prompt] : ['--chat', line.chat!];
      const limit = line.maxTokens !== undefined ? ['--max-tokens', String(line.maxTokens)] : [];
      const alone = await runCli(['generate', modelPath(name), ...prompt, ...common, ...limit]);
      expect(alone.code, alone.stderr).toBe(0);
      const want = JSON.parse(alone.stdout);
      expect(out[i].tokens, `line ${i + 1}`).toEqual(want.tokens);
      expect(out[i].text, `line ${i + 1}`).toBe(want.text);
      expect(out[i].stopReason, `line ${i + 1}`).toBe(want.stopReason);
    }
  }, GPU_RUN);

  it('exits 2 on a bad batch file', async () => {
    const model = modelPath('llama-F32');
    const cases: [string, string][] = [
      ['empty.jsonl', '\n\n'],
      ['not-json.jsonl', '{"tokens": [1, 2]}\n{"tokens": '],
      ['two-prompts.jsonl', '{"tokens": [1], "prompt": "a"}'],
      ['no-prompt.jsonl', '{"maxTokens": 3}'],
      ['bad-tokens.jsonl', '{"tokens": [1, -2]}'],
      ['bad-limit.jsonl', '{"prompt": "a", "maxTokens": 0}'],
      ['array.jsonl', '[1, 2, 3]'],
    ];
    for (const [name, text] of cases) {
      writeFileSync(join(dir, name), text);
      const r = await runCli(['generate', model, '--batch', join(dir, name)]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toMatch(/--batch/);
    }
    const both = await runCli(['generate', model, '--batch', join(dir, 'empty.jsonl'), '--prompt', 'a']);
    expect(both.code).toBe(2);
  }, GPU_RUN);
});
