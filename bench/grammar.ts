// Benchmark (not a test): grammar mask computation per decoded token on Qwen3's 151 936-token
// vocabulary (../shared/fixtures/tok-bpe-qwen3). For each schema, seeded random "models" (as in
// tests/unit/grammar/property.test.ts) decode constrained outputs with a fresh compiled grammar
// (cold mask cache) and every allowedTokens() call is timed; acceptToken() is timed apart, and so
// is completion() (the value's shortest completion in tokens, which the constrained backend
// measures near the token budget and every 16 tokens) at every 4th step.
// Run: npm run bench:grammar   → bench/results/grammar.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENDA_SCHEMA } from '../app/tasks/agenda-schema.ts';
import { nodeFileSource } from '../cli/file-source.ts';
import { readGguf } from '../model/gguf/reader.ts';
import { CompiledGrammar } from '../model/grammar/matcher.ts';
import { compileJsonSchema } from '../model/grammar/schema.ts';
import { TokenIndex, grammarVocabFromTokenizer } from '../model/grammar/token-index.ts';
import { tokenizerFromGguf } from '../model/tokenizer/tokenizer.ts';
import { seededRandom } from '../engine/sampler.ts';

const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));
const RUNS = 5;
const MAX_TOKENS = 1500;

const SCHEMAS: Record<string, unknown> = {
  agenda: AGENDA_SCHEMA,
  contact: {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 60 },
      email: { type: 'string', maxLength: 80 },
      age: { type: 'integer' },
      role: { enum: ['engineer', 'manager', 'designer', 'directeur général', '工程师'] },
      verified: { type: 'boolean' },
      score: { type: 'number' },
      joined: { type: 'string', format: 'date-time' },
    },
    required: ['name', 'role'],
  },
  tags: { type: 'array', items: { type: 'string', maxLength: 24 }, minItems: 1, maxItems: 20 },
  // Two anyOf branches stay alive through the shared "text" string: the fast path over several stacks.
  note: {
    anyOf: [
      { type: 'object', properties: { text: { type: 'string', maxLength: 200 }, lang: { enum: ['en', 'fr', 'de'] } }, required: ['text', 'lang'] },
      { type: 'object', properties: { text: { type: 'string', maxLength: 150 }, done: { type: 'boolean' } }, required: ['text'] },
    ],
  },
  events: {
    type: 'array',
    maxItems: 8,
    items: {
      anyOf: [
        { type: 'object', properties: { kind: { const: 'meeting' }, at: { type: 'string', format: 'time' }, room: { type: ['string', 'null'] } }, required: ['kind', 'at'] },
        { type: 'object', properties: { kind: { const: 'task' }, done: { type: 'boolean' }, title: { type: 'string' } }, required: ['kind', 'title'] },
      ],
    },
  },
};

const prng = seededRandom;  // mulberry32, as the sampler seeds it

const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const round = (x: number) => Math.round(x * 1000) / 1000;

const src = await nodeFileSource(join(FIXTURES, 'tok-bpe-qwen3', 'vocab.gguf'));
const tok = tokenizerFromGguf(await readGguf(src));
await src.close();
let t = performance.now();
const index = new TokenIndex(grammarVocabFromTokenizer(tok));
const indexMs = performance.now() - t;

const results: Record<string, unknown>[] = [];
for (const [name, schema] of Object.entries(SCHEMAS)) {
  const maskMs: number[] = [], acceptMs: number[] = [], completionMs: number[] = [];
  let completionTokensMax = 0;
  let computed = 0, cached = 0, tokens = 0, completed = 0, compileMs = 0;
  for (let run = 0; run < RUNS; run++) {
    const r = prng(run * 7919 + name.length);
    const bias = Float32Array.from({ length: index.size }, () => r() * 3);
    t = performance.now();
    const g = new CompiledGrammar(compileJsonSchema(schema), index);
    compileMs += performance.now() - t;
    const m = g.matcher();
    for (let step = 0; step < MAX_TOKENS && m.canContinue(); step++) {
      if (step % 4 === 0) {
        t = performance.now();
        const closing = m.completion();
        completionMs.push(performance.now() - t);
        if (!closing) throw new Error(`${name}: no completion at step ${step}`);
        completionTokensMax = Math.max(completionTokensMax, closing.length);
      }
      t = performance.now();
      const mask = m.allowedTokens();
      maskMs.push(performance.now() - t);
      let best = -1, bestV = -Infinity;
      for (let w = 0; w < mask.length; w++) {
        let bits = mask[w];
        while (bits !== 0) {
          const low = bits & -bits;
          const id = w * 32 + 31 - Math.clz32(low);
          bits ^= low;
          const v = bias[id] + r() * 3;
          if (v > bestV) { bestV = v; best = id; }
        }
      }
      t = performance.now();
      if (!m.acceptToken(best)) throw new Error(`${name}: sampled token ${best} refused`);
      acceptMs.push(performance.now() - t);
      tokens++;
      if (index.eog.includes(best)) break;
    }
    if (m.isComplete()) completed++;
    computed += g.stats.computed;
    cached += g.stats.cached;
  }
  const mean = maskMs.reduce((a, b) => a + b, 0) / maskMs.length;
  const row = {
    schema: name, runs: RUNS, completed, tokens,
    maskMs: { mean: round(mean), p50: round(quantile(maskMs, 0.5)), p95: round(quantile(maskMs, 0.95)), p99: round(quantile(maskMs, 0.99)), max: round(Math.max(...maskMs)) },
    acceptTokenMsMean: round(acceptMs.reduce((a, b) => a + b, 0) / acceptMs.length),
    completionMs: { mean: round(completionMs.reduce((a, b) => a + b, 0) / completionMs.length), p50: round(quantile(completionMs, 0.5)), p95: round(quantile(completionMs, 0.95)), max: round(Math.max(...completionMs)) },
    completionTokensMax,
    masksComputed: computed, masksFromCache: cached,
    compileMsMean: round(compileMs / RUNS),
  };
  console.log(JSON.stringify(row));
  results.push(row);
}

const out = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), platform: platform(), arch: arch(), node: process.version },
  vocabulary: { name: 'tok-bpe-qwen3', tokens: index.size, trieNodes: index.trie.end.length, insideStringTokens: index.insideIds.length, exitTrieNodes: index.exitTrie.end.length, maxTokenBytes: index.maxBytes },
  precomputeMs: round(indexMs),
  note: 'maskMs: one allowedTokens() per decoded token, fresh grammar (cold cache) per run, random-model outputs; target < 2 ms mean on a laptop CPU. completionMs: one completion() (shortest closing tokens), timed at every 4th step; the constrained backend calls it every 16 tokens and at each step near the token budget',
  results,
};
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'grammar.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`index ${round(indexMs)} ms; wrote bench/results/grammar.json`);
