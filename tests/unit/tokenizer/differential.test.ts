// Differential test against llama.cpp itself (node-llama-cpp, vocab-only load): seeded random
// strings built to hit the hard cases (mixed scripts, ZWJ emoji, whitespace runs, digits, code,
// special-token literals) must tokenize, with and without parse_special, and detokenize exactly as
// llama.cpp does; token attributes and the end-of-generation set must agree for every id.
// Re-run a failure with TOKENIZER_SEED=<printed seed>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama, Token } from 'node-llama-cpp';
import { fixtureTokenizer, ggufPath, manifest, prng, randomText } from './helpers.ts';

const SEED = Number(process.env.TOKENIZER_SEED ?? 0x5eed);
const STRINGS = 1000;
const VOCABS = ['tok-spm-llama2', 'tok-bpe-qwen3', 'tok-bpe-llama3', 'tok-bpe-gpt2', 'tok-bpe-refact',
  'tok-bpe-deepseek-coder', 'tok-spm-phi3', 'tok-spm-mistral', 'tok-spm-gemma3', 'llama-F32', 'jamba-Q4_K_M'];
/** Literals every vocabulary is tried with, whether or not it has them. */
const COMMON_SPECIALS = ['<s>', '</s>', '<unk>', '<|im_start|>', '<|im_end|>', '<|endoftext|>', '<think>', '</think>',
  '<|begin_of_text|>', '<|eot_id|>', '<start_of_turn>', '<end_of_turn>', '<|user|>', '<|end|>'];

let llama: Llama;
beforeAll(async () => {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
});
afterAll(async () => { await llama?.dispose(); });

describe.each(VOCABS)('%s against llama.cpp', (name) => {
  it(`agrees on ${STRINGS} random strings (seed ${SEED}), attributes and EOG`, async () => {
    const ours = await fixtureTokenizer(name);
    const model = await llama.loadModel({ modelPath: ggufPath(name), vocabOnly: true });
    try {
      const { vocab } = ours;
      for (let id = 0; id < vocab.tokens.length; id++) {
        const theirs = model.getTokenAttributes(id as Token);
        const eog = model.isEogToken(id as Token);
        if (ours.isEog(id) !== eog || (vocab.attrs[id] & 0x3ff) !== attrBits(theirs)) {
          expect({ id, text: vocab.tokens[id], attr: vocab.attrs[id] & 0x3ff, eog: ours.isEog(id) })
            .toEqual({ id, text: vocab.tokens[id], attr: attrBits(theirs), eog });
        }
      }
      // Model fixtures carry a prompt as ids: its text both ways must agree too.
      const prompt: number[] | undefined = manifest(name).tokens;
      if (prompt) {
        for (const special of [false, true]) {
          const text = model.detokenize(prompt as Token[], special);
          expect(ours.decode(prompt, { unparseSpecial: special })).toBe(text);
          expect(ours.encode(text, { addSpecial: false, parseSpecial: special })).toEqual(Array.from(model.tokenize(text, special)));
        }
      }
      const specials = [...COMMON_SPECIALS, ...sample(vocab.specialTokens.map((id) => vocab.tokens[id]), 40, SEED)];
      const r = prng(SEED ^ hash(name));
      console.log(`${name}: seed ${SEED}`);
      for (let i = 0; i < STRINGS; i++) {
        const text = randomText(r, specials);
        for (const parseSpecial of [false, true]) {
          const want = Array.from(model.tokenize(text, parseSpecial)) as number[];
          const got = ours.encode(text, { addSpecial: false, parseSpecial });
          if (!same(got, want)) {
            expect({ seed: SEED, string: i, text, parseSpecial, ids: got }).toEqual({ seed: SEED, string: i, text, parseSpecial, ids: want });
          }
          const wantText = model.detokenize(want as Token[], parseSpecial);
          const gotText = ours.decode(want, { unparseSpecial: parseSpecial });
          if (gotText !== wantText) {
            expect({ seed: SEED, string: i, ids: want, unparseSpecial: parseSpecial, text: gotText })
              .toEqual({ seed: SEED, string: i, ids: want, unparseSpecial: parseSpecial, text: wantText });
          }
        }
      }
    } finally {
      await model.dispose();
    }
  });
});

/** node-llama-cpp's TokenAttributes back to llama.cpp's bit mask. */
function attrBits(a: { undefined: boolean; unknown: boolean; unused: boolean; normal: boolean; control: boolean;
  userDefined: boolean; byte: boolean; normalized: boolean; lstrip: boolean; rstrip: boolean; singleWord: boolean }): number {
  return (a.unknown ? 1 : 0) | (a.unused ? 2 : 0) | (a.normal ? 4 : 0) | (a.control ? 8 : 0) | (a.userDefined ? 16 : 0)
    | (a.byte ? 32 : 0) | (a.normalized ? 64 : 0) | (a.lstrip ? 128 : 0) | (a.rstrip ? 256 : 0) | (a.singleWord ? 512 : 0);
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function sample<T>(xs: readonly T[], n: number, seed: number): T[] {
  const r = prng(seed);
  return xs.length <= n ? [...xs] : Array.from({ length: n }, () => xs[Math.floor(r() * xs.length)]);
}
