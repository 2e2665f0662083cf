// The built `edgewise` CLI running models on the GPU (Dawn; SwiftShader here), spawned as a
// child process on fixtures: `logits` equals llama.cpp's logits.f32 within the fixture's
// tolerance with a chunked prefill, `generate --temperature 0 --json` gives llama.cpp's greedy
// tokens, `--prompt` and `--chat` tokenize as the model says and stream exactly the text that
// --json reports, `bench --json` carries its fields, and exit codes 2 (usage) and 3 (bad model).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplateFromGguf } from '../../../model/chat/template.ts';
import { prefillFlops } from '../../../cli/commands/bench.ts';
import { planModel } from '../../../model/arch/index.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { tokenizerFromGguf } from '../../../model/tokenizer/tokenizer.ts';
import { buildCli, ownStderrLines, runCli } from '../../support/cli.ts';
import { storedBytes } from '../../../gpu/weights.ts';
import { withMetadata } from '../../support/gguf-edit.ts';
import { FIXTURES } from '../../unit/gguf/fixtures.ts';
import { describeDistance, distance, readF32 } from '../../unit/reference/fixture-model.ts';

const manifestOf = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name, 'manifest.json'), 'utf8'));
const modelPath = (name: string) => join(FIXTURES, name, 'model.gguf');
const GPU_RUN = 120_000;

async function tokenizerOf(name: string) {
  const file = await readGguf(memorySource(new Uint8Array(readFileSync(modelPath(name)))));
  const tokenizer = tokenizerFromGguf(file);
  return { tokenizer, template: chatTemplateFromGguf(file, tokenizer) };
}

describe('edgewise logits / generate / bench (built CLI on the GPU)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-cli-'));
  beforeAll(buildCli, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("logits with a chunked prefill equal llama.cpp's logits.f32 (jamba-F32, chunks of 16)", async () => {
    const name = 'jamba-F32';
    const m = manifestOf(name);
    const out = join(dir, 'logits.f32');
    const r = await runCli(['logits', modelPath(name), '--tokens', m.tokens.join(','), '--chunk', '16', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const b = readFileSync(out);
    const got = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    expect(got.length).toBe(m.tokens.length * m.n_vocab);
    const d = distance(got, readF32(name, 'logits.f32'), m.n_vocab, m.tokens.map((_: number, i: number) => i));
    const tol = m.tolerance.vs_llama_cpp_logits;
    expect(d.maxAbs, describeDistance(d)).toBeLessThanOrEqual(tol.max_abs);
    expect(d.rms, describeDistance(d)).toBeLessThanOrEqual(tol.rms);
  }, GPU_RUN);

  it("generate --tokens --temperature 0 --json gives llama.cpp's greedy tokens (qwen3-F32)", async () => {
    const name = 'qwen3-F32';
    const m = manifestOf(name);
    const n: number = m.greedy.n_strict;
    expect(n).toBe(16);
    const r = await runCli(['generate', modelPath(name), '--tokens', m.tokens.join(','), '--temperature', '0', '--max-tokens', String(n), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const { tokenizer } = await tokenizerOf(name);
    const want: number[] = m.greedy.tokens.slice(0, n);
    const eog = want.findIndex((t) => tokenizer.isEog(t));
    expect(out.tokens).toEqual(eog >= 0 ? want.slice(0, eog) : want);
    expect(out.text).toBe(tokenizer.decode(out.tokens));
    expect(out.timings.promptTokens).toBe(m.tokens.length);
    expect(out.timings.generatedTokens).toBe(out.tokens.length);
  }, GPU_RUN);

  it('generate --prompt tokenizes the text as the model does and streams what --json reports', async () => {
    const name = 'llama-F32';
    const text = 'the quick brown fox';
    const { tokenizer } = await tokenizerOf(name);
    const ids = tokenizer.encode(text, { addSpecial: true, parseSpecial: false });
    const common = ['--temperature', '0', '--max-tokens', '8'];
    const [streamed, json] = await Promise.all([
      runCli(['generate', modelPath(name), '--prompt', text, ...common]),
      runCli(['generate', modelPath(name), '--tokens', ids.join(','), ...common, '--json']),
    ]);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(streamed.stdout).toBe(`${out.text}\n`);
  }, GPU_RUN);

  it("generate --chat renders one user message with the model's template", async () => {
    const name = 'llama-F32';
    const content = 'Draft an agenda.';
    const r = await runCli(['generate', modelPath(name), '--chat', content, '--max-tokens', '4', '--seed', '7', '--temperature', '0.8', '--top-k', '20', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const { tokenizer, template } = await tokenizerOf(name);
    const rendered = template.render([{ role: 'user', content }]);
    expect(rendered).toContain(content);
    const bosText = tokenizer.vocab.tokens[tokenizer.bos];
    const ids = tokenizer.encode(rendered, { addSpecial: !rendered.startsWith(bosText), parseSpecial: true });
    expect(out.timings.promptTokens).toBe(ids.length);
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(out.tokens.length).toBeLessThanOrEqual(4);
  }, GPU_RUN);

  it('generate --schema prints JSON valid for the schema and stops when the value closes (sampled)', async () => {
    const { default: Ajv } = await import('ajv');
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string', maxLength: 12 },
        when: { type: 'string', format: 'date' },
        items: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3 },
        done: { type: 'boolean' },
      },
      required: ['title', 'when', 'items', 'done'],
    };
    const file = join(dir, 'schema.json');
    writeFileSync(file, JSON.stringify(schema));
    const validate = new Ajv({ formats: { date: /^\d{4}-\d{2}-\d{2}$/ } }).compile(schema);
    const name = 'llama-F32';
    const common = ['--schema', file, '--temperature', '1.5', '--top-k', '64', '--max-tokens', '300'];
    const [json, streamed] = await Promise.all([
      runCli(['generate', modelPath(name), '--prompt', 'agenda:', '--seed', '3', ...common, '--json']),
      runCli(['generate', modelPath(name), '--prompt', 'agenda:', '--seed', '4', ...common]),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.stopReason, out.text).toBe('schema-complete');
    expect(validate(JSON.parse(out.text)), `${out.text}: ${JSON.stringify(validate.errors)}`).toBe(true);
    expect(streamed.code, streamed.stderr).toBe(0);
    const text = streamed.stdout.replace(/\n$/, '');
    expect(validate(JSON.parse(text)), `${text}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }, GPU_RUN);

  it('bench --json reports speeds, memory, adapter and the bandwidth floor', async () => {
    const name = 'granitehybrid-Q4_K_M';
    const out = join(dir, 'bench.json');
    const r = await runCli(['bench', modelPath(name), '--prompt-tokens', '24', '--gen-tokens', '4', '--chunk', '16', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(b);
    const file = await readGguf(memorySource(new Uint8Array(readFileSync(modelPath(name)))));
    expect(b.model.arch).toBe('granitehybrid');
    expect(b.promptTokens).toBe(24);
    expect(b.genTokens).toBe(4);
    // As stored on the GPU: Q8_0 and Q6_K blocks are padded to whole words (gpu/weights.ts).
    expect(b.weightBytes).toBe(file.tensors.reduce((s, t) => s + storedBytes(t.type, t.byteSize), 0));
    expect(b.gpuMemoryPlanned.totalBytes).toBeGreaterThan(b.weightBytes);
    expect(typeof b.adapter.vendor).toBe('string');
    expect(typeof b.features.f16).toBe('boolean');
    // The GEMV shapes in use: this CPU adapter keeps the defaults, untimed (gpu/gemv-tuning.ts).
    expect(b.gemv).toMatchObject({ source: 'default', reason: 'CPU adapter', otherwise: { workgroupSize: 16, rowsPerWorkgroup: 4 } });
    expect(b.gemv.shapes.map((s: { type: string; from: string }) => [s.type, s.from])).toContainEqual(['Q4_K', 'default']);
    for (const k of ['timeToFirstTokenMs', 'prefillTokensPerSecond', 'decodeTokensPerSecond']) expect(b[k], k).toBeGreaterThan(0);
    // Prefill arithmetic beside the FMA probe measured in the same run.
    const p = b.prefill;
    expect(p.flops).toBe(prefillFlops(planModel(file), 24));
    expect(p.gflopPerS).toBeCloseTo(p.flops / (b.timeToFirstTokenMs / 1000) / 1e9, 6);
    expect(p.probeF32.gflops).toBeGreaterThan(0);
    expect(p.probeF16 !== undefined).toBe(b.features.f16);
    expect(p.fractionOfMatrixRate).toBeCloseTo(p.gflopPerS / (p.probeF16 ?? p.probeF32).gflops, 9);
    const f = b.bandwidthFloor;
    // The untied embedding table is read one row per token; everything else once, plus state.
    expect(f.bytesPerToken).toBeGreaterThan(b.weightBytes - file.tensors.find((t) => t.name === 'token_embd.weight')!.byteSize);
    expect(f.copyGBps).toBeGreaterThan(0);
    expect(f.floorTokensPerSecond).toBeCloseTo((f.copyGBps * 1e9) / f.bytesPerToken, 6);
    expect(f.fractionOfFloor).toBeCloseTo(b.decodeTokensPerSecond / f.floorTokensPerSecond, 9);
    // Every layer dispatches at least its norm, mixer and FFN kernels on each decoded token.
    expect(b.decodeCpu.dispatchesPerToken).toBeGreaterThanOrEqual(3 * b.model.nLayer);
    expect(Number.isInteger(b.decodeCpu.dispatchesPerToken)).toBe(true);
    expect(b.decodeCpu.encodeMsPerToken).toBeGreaterThan(0);
    expect(b.decodeCpu.encodeMsPerToken).toBeLessThan(1000 / b.decodeTokensPerSecond);
    // Each decode step after the first was encoded ahead, while the GPU ran the one before.
    expect(b.decodeCpu.encodeAheadMsPerToken).toBeGreaterThan(0);
  }, GPU_RUN);

  it("a model trained on fewer tokens than the prompt: the default context says to pass --ctx; --ctx runs past it with a warning and gives llama.cpp's greedy tokens (qwen3-F32)", async () => {
    const name = 'qwen3-F32';
    const m = manifestOf(name);
    const n: number = m.greedy.n_strict;
    const trained = 8;
    expect(m.tokens.length).toBeGreaterThan(trained);
    const path = join(dir, 'short-context.gguf');
    writeFileSync(path, await withMetadata(new Uint8Array(readFileSync(modelPath(name))), { 'qwen3.context_length': trained }));
    const args = ['generate', path, '--tokens', m.tokens.join(','), '--temperature', '0', '--max-tokens', String(n), '--json'];

    const capped = await runCli(args);
    expect(capped.code, capped.stderr).toBe(1);
    expect(ownStderrLines(capped.stderr)).toEqual([
      `edgewise generate: the prompt has ${m.tokens.length} tokens but the default context holds ${trained}; pass --ctx ${m.tokens.length + n} (past the model's trained context, as llama.cpp allows)`,
    ]);

    const ctx = m.tokens.length + n;
    const r = await runCli([...args, '--ctx', String(ctx)]);
    expect(r.code, r.stderr).toBe(0);
    expect(ownStderrLines(r.stderr)).toEqual([
      `edgewise generate: warning: --ctx ${ctx} is longer than the ${trained}-token context the model was trained on; output past ${trained} tokens may degrade`,
    ]);
    // qwen3 without RoPE scaling computes the same past its trained length: llama.cpp's tokens.
    const { tokenizer } = await tokenizerOf(name);
    const want: number[] = m.greedy.tokens.slice(0, n);
    const eog = want.findIndex((t) => tokenizer.isEog(t));
    expect(JSON.parse(r.stdout).tokens).toEqual(eog >= 0 ? want.slice(0, eog) : want);
  }, 2 * GPU_RUN);

  it('exits 2 on bad usage', async () => {
    const model = modelPath('llama-F32');
    const writeText = (file: string, text: string) => (writeFileSync(join(dir, file), text), join(dir, file));
    const cases = [
      ['logits', model, '--tokens', '1,2'],                       // no --out
      ['logits', model, '--out', join(dir, 'x.f32')],             // no --tokens
      ['logits', model, '--tokens', '1,x', '--out', join(dir, 'x.f32')],
      ['generate', model],                                         // no prompt
      ['generate', model, '--prompt', 'a', '--tokens', '1'],       // two prompts
      ['generate', model, '--prompt', 'a', '--temperature', 'hot'],
      ['generate', model, '--prompt', 'a', '--top-p', '2'],
      ['generate', model, '--prompt', 'a', '--bogus'],
      ['bench', model, '--gen-tokens', '0'],
      ['bench'],
      ['generate', join(dir, 'no-such-file.gguf'), '--prompt', 'a'],
      ['generate', model, '--prompt', 'a', '--schema', join(dir, 'no-such-schema.json')],
      ['generate', model, '--prompt', 'a', '--schema', writeText('not-json.json', '{"type": ')],
      ['generate', model, '--prompt', 'a', '--schema', writeText('unsupported.json', '{"type": "string", "pattern": "^a+$"}')],
    ];
    for (const args of cases) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/usage: edgewise|cannot open|JSON schema at/);
    }
  }, GPU_RUN);

  it('exits 3 with one stderr line for a truncated file, a non-GGUF file and a vocabulary-only GGUF', async () => {
    const truncated = join(dir, 'truncated.gguf');
    const whole = readFileSync(modelPath('llama-Q8_0'));
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const notGguf = join(dir, 'not.gguf');
    writeFileSync(notGguf, '{"this": "is json"}\n');
    const vocabOnly = join(FIXTURES, 'tok-bpe-qwen3', 'vocab.gguf');
    for (const path of [truncated, notGguf, vocabOnly]) {
      for (const args of [
        ['logits', path, '--tokens', '1,2', '--out', join(dir, 'y.f32')],
        ['generate', path, '--tokens', '1,2', '--json'],
        ['bench', path, '--prompt-tokens', '4', '--gen-tokens', '1'],
      ]) {
        const r = await runCli(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
        expect(r.stdout).toBe('');
        const lines = ownStderrLines(r.stderr);
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^edgewise ${args[0]}: `));
      }
    }
  }, GPU_RUN);
});
