// Exact masks: at every state reached by random walks, the mask from the token-trie walk (and from
// the cache, when a state repeats) equals brute force — each token's bytes fed to a clone of the
// byte matcher. Random schemas of the subset on vocabularies that split terminals and code points,
// the agenda schema, and the 512-token SPM vocabulary of the llama fixture (byte tokens included).
// Re-run a failure with GRAMMAR_SEED=<printed seed>.
import { describe, expect, it } from 'vitest';
import { AGENDA_SCHEMA } from '../../../app/tasks/agenda-schema.ts';
import { maskHas, type GrammarMatcher } from '../../../model/grammar/matcher.ts';
import { TokenIndex } from '../../../model/grammar/token-index.ts';
import { bruteForceMask, fixtureIndex, grammarFor, pick, prng, randomSchema, schemaTexts, setBits, splittingVocab } from './helpers.ts';

const SEED = Number(process.env.GRAMMAR_SEED ?? 0x6a50);
const SCHEMAS = 60;
const STEPS = 40;

/** Walks `steps` random allowed tokens, checking the mask against brute force at each state. */
function checkWalk(m: GrammarMatcher, r: () => number, steps: number, what: string): number {
  const size = m.grammar.index.size;
  let checked = 0;
  for (let step = 0; step < steps; step++) {
    const got = m.allowedTokens();
    const want = bruteForceMask(m);
    if (got.some((w, i) => w !== want[i])) {
      expect({ what, step, state: m.key, allowed: setBits(got, size) }).toEqual({ what, step, state: m.key, allowed: setBits(want, size) });
    }
    checked++;
    const ids = setBits(want, size);
    if (ids.length === 0) {
      expect(m.isComplete() && !m.canContinue(), `${what}: empty mask at step ${step} but the value is not closed`).toBe(true);
      break;
    }
    const id = pick(r, ids);
    expect(m.acceptToken(id), `${what}: allowed token ${id} refused`).toBe(true);
    if (m.grammar.index.eog.includes(id)) break;
  }
  return checked;
}

describe('grammar masks equal brute force', () => {
  it(`random schemas on splitting vocabularies (seed ${SEED})`, () => {
    let states = 0, cached = 0;
    for (let i = 0; i < SCHEMAS; i++) {
      const seed = SEED + i;
      const r = prng(seed);
      const schema = randomSchema(r);
      const ix = new TokenIndex(splittingVocab(r, schemaTexts(schema)));
      const g = grammarFor(schema, ix);
      for (let walk = 0; walk < 3; walk++) states += checkWalk(g.matcher(), r, STEPS, `seed ${seed} walk ${walk} ${JSON.stringify(schema)}`);
      cached += g.stats.cached;
    }
    expect(states).toBeGreaterThan(SCHEMAS * 20);
    expect(cached, 'walks from the same start repeat states: masks from the cache were checked too').toBeGreaterThan(SCHEMAS);
  });

  it('agenda schema on a splitting vocabulary and on the llama fixture vocabulary', async () => {
    const r = prng(SEED);
    const small = new TokenIndex(splittingVocab(r, [...schemaTexts(AGENDA_SCHEMA), '"2024-05-17"', '"09:30:00Z"']));
    const llama = await fixtureIndex('llama-F32');
    for (const ix of [small, llama]) {
      const g = grammarFor(AGENDA_SCHEMA, ix);
      for (let walk = 0; walk < 4; walk++) checkWalk(g.matcher(), r, 120, `agenda vocab ${ix.size} walk ${walk}`);
      expect(g.stats.cached, 'repeated states are served from the cache').toBeGreaterThan(0);
    }
  });

  it('random schemas on the llama fixture vocabulary', async () => {
    const ix = await fixtureIndex('llama-F32');
    for (let i = 0; i < 15; i++) {
      const r = prng(SEED + 1000 + i);
      const schema = randomSchema(r);
      checkWalk(grammarFor(schema, ix).matcher(), r, 30, `llama vocab seed ${SEED + 1000 + i} ${JSON.stringify(schema)}`);
    }
  });
});

describe('multi-byte UTF-8', () => {
  const enc = new TextEncoder();
  const vocab = (texts: string[]) => {
    const pieces: (Uint8Array | null)[] = texts.map((t) => enc.encode(t));
    // raw byte tokens: lead and continuation bytes of 日 (e6 97 a5) and é (c3 a9)
    for (const b of [0xe6, 0x97, 0xa5, 0xc3, 0xa9, 0x22, 0x80]) pieces.push(Uint8Array.of(b));
    return new TokenIndex({ pieces: [...pieces, null], eog: [pieces.length] });
  };

  it('enum values with non-ASCII characters are reachable through tokens that split code points', () => {
    const ix = vocab(['"', '日本', '語"', 'caf', '本', 'é"']);
    const g = grammarFor({ enum: ['日本語', 'café'] }, ix);
    const m = g.matcher();
    const id = (b: number[]) => ix.pieces.findIndex((p) => p && p.length === b.length && p.every((x, i) => x === b[i]));
    expect(m.acceptToken(0)).toBe(true);                       // "
    expect(maskHas(m.allowedTokens(), id([0xe6]))).toBe(true);  // first byte of 日
    expect(maskHas(m.allowedTokens(), id([0xc3]))).toBe(false); // é cannot start either value
    expect(m.acceptToken(id([0xe6]))).toBe(true);
    expect(maskHas(m.allowedTokens(), id([0x97]))).toBe(true);
    expect(maskHas(m.allowedTokens(), 1)).toBe(false);          // 日本 would repeat the lead byte
    expect(m.acceptBytes(Uint8Array.of(0x97, 0xa5))).toBe(true);
    expect(m.acceptToken(4)).toBe(true);                        // 本
    expect(m.isComplete()).toBe(false);
    expect(m.acceptToken(2)).toBe(true);                        // 語"
    expect(m.isComplete() && !m.canContinue()).toBe(true);
  });

  it('maxLength counts code points, and a token may end mid-character', () => {
    const ix = vocab(['"', '日本', '語"', 'ab', 'é"']);
    const g = grammarFor({ type: 'string', maxLength: 3 }, ix);
    const m = g.matcher();
    expect(m.acceptBytes(enc.encode('"日本'))).toBe(true);
    expect(m.acceptToken(ix.pieces.findIndex((p) => p?.length === 1 && p[0] === 0xc3))).toBe(true); // half of é: the third character
    const mask = m.allowedTokens();
    // only a continuation byte may follow: the character is already counted, a fourth may not start
    const continuation = ix.pieces.flatMap((p, i) => (p && p.length === 1 && p[0] >= 0x80 && p[0] <= 0xbf ? [i] : []));
    expect(setBits(mask, ix.size)).toEqual(continuation);
    expect(m.acceptBytes(Uint8Array.of(0xa9, 0x22))).toBe(true);
    expect(m.isComplete()).toBe(true);
    const over = g.matcher();
    expect(over.acceptBytes(enc.encode('"日本語é'))).toBe(false);
    const bad = g.matcher();
    expect(bad.acceptBytes(Uint8Array.of(0x22, 0xc3, 0x22))).toBe(false); // a quote inside a character
    expect(bad.acceptBytes(Uint8Array.of(0x22, 0xed, 0xa0, 0x80))).toBe(false); // an encoded surrogate
  });

  it('escapes count as one character and surrogate \\u escapes are refused', () => {
    const g = grammarFor({ type: 'string', maxLength: 2 }, vocab(['"']));
    const ok = g.matcher();
    expect(ok.acceptBytes(enc.encode('"\\n\\u00e9"'))).toBe(true);
    expect(JSON.parse('"\\n\\u00e9"')).toBe('\né');
    expect(g.matcher().acceptBytes(enc.encode('"\\ud83d'))).toBe(false);
    expect(g.matcher().acceptBytes(enc.encode('"abc'))).toBe(false);
  });
});

describe('anyOf branches inside the same string', () => {
  it('masks equal brute force while several stacks are in string bodies of different room', async () => {
    const ix = await fixtureIndex('llama-F32');
    const schema = {
      anyOf: [
        { type: 'object', properties: { text: { type: 'string', maxLength: 9 }, lang: { enum: ['en', 'fr'] } }, required: ['text', 'lang'] },
        { type: 'object', properties: { text: { type: 'string', maxLength: 4, minLength: 2 }, done: { type: 'boolean' } }, required: ['text'] },
      ],
    };
    for (let i = 0; i < 8; i++) {
      const r = prng(SEED + 77 + i);
      const g = grammarFor(schema, ix);
      const m = g.matcher();
      expect(m.acceptBytes(new TextEncoder().encode('{"text":"'))).toBe(true);
      checkWalk(m, r, 25, `two-branch string walk ${i}`);
    }
  });
});
