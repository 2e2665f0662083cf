// Benchmark (not a test): tokenize 1 MB of English prose with the Qwen3 (byte-level BPE) and
// Llama-2 (SPM) vocabularies of ../shared/fixtures, and detokenize it back. The prose is generated
// deterministically from a fixed word list, so every run measures the same input.
// Run: npm run bench:tokenizer   → bench/results/tokenizer.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, arch } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFileSource } from '../cli/file-source.ts';
import { readGguf } from '../model/gguf/reader.ts';
import { tokenizerFromGguf } from '../model/tokenizer/tokenizer.ts';

const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));
const TARGET_BYTES = 1 << 20;
const REPEATS = 3;

const WORDS = ('the of and to in a is that for it as was with be by on not he I this are or his from at which but have ' +
  'an they you were her she there been one all we their has would when if so no will more about what up out who can ' +
  'people time year government meeting agenda summary document report council committee budget proposal decision ' +
  'discussed agreed action items follow-up schedule quarterly review project team members department however therefore ' +
  'although because during between through without within important significant particular general public national ' +
  "country world history family children school student university research development economic social political don't " +
  "it's we'll they're 2024 15 percent 3.5 million Monday Tuesday London Paris September").split(' ');

function prose(bytes: number): string {
  let s = 1;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const len = 6 + Math.floor(r() * 18);
    const words: string[] = [];
    for (let i = 0; i < len; i++) words.push(WORDS[Math.floor(r() * WORDS.length)]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    if (len > 10 && r() < 0.5) words[Math.floor(len / 2)] += ',';
    let sentence = words.join(' ') + (r() < 0.9 ? '.' : '?');
    sentence += r() < 0.15 ? '\n\n' : ' ';
    parts.push(sentence);
    n += sentence.length;
  }
  return parts.join('').slice(0, bytes);
}

const text = prose(TARGET_BYTES);
const results: Record<string, unknown>[] = [];
for (const name of ['tok-bpe-qwen3', 'tok-spm-llama2']) {
  const src = await nodeFileSource(join(FIXTURES, name, 'vocab.gguf'));
  const file = await readGguf(src);
  await src.close();
  let t = performance.now();
  const tok = tokenizerFromGguf(file);
  const loadMs = performance.now() - t;
  const encodeMs: number[] = [];
  let ids: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    // A fresh tokenizer each time: the BPE word cache must not carry over between runs.
    const fresh = i === 0 ? tok : tokenizerFromGguf(file);
    t = performance.now();
    ids = fresh.encode(text, { addSpecial: false });
    encodeMs.push(performance.now() - t);
  }
  t = performance.now();
  const back = tok.decode(ids);
  const decodeMs = performance.now() - t;
  const row = {
    vocab: name, bytes: new TextEncoder().encode(text).length, tokens: ids.length,
    load_ms: Math.round(loadMs), encode_ms: encodeMs.map((x) => Math.round(x)), encode_best_ms: Math.round(Math.min(...encodeMs)),
    decode_ms: Math.round(decodeMs), roundtrip_exact: back === text,
  };
  results.push(row);
  console.log(JSON.stringify(row));
}

const out = {
  benchmark: 'tokenize 1 MiB of generated English prose (bench/tokenizer.ts)',
  date: new Date().toISOString(),
  machine: { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model, cores: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30) },
  results,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/tokenizer.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
