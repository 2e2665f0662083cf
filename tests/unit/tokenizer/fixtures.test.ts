// Every tokenizer case of ../shared/fixtures: llama.cpp's ids for all four add_special /
// parse_special combinations and its detokenized text, from the vocabulary in the GGUF itself.
// Also the synthetic SPM vocabulary of the model fixtures: its flags and the prompt's BOS.
import { describe, expect, it } from 'vitest';
import { TOKENIZER_CASES, fixtureTokenizer, manifest } from './helpers.ts';

describe.each(TOKENIZER_CASES)('%s', (name) => {
  it('reproduces every manifest case', async () => {
    const tok = await fixtureTokenizer(name);
    const m = manifest(name);
    expect(m.cases.length).toBeGreaterThan(0);
    expect({ addBos: tok.addBos, addEos: tok.addEos, bos: tok.bos, eos: tok.eos })
      .toEqual({ addBos: m.vocab.add_bos, addEos: m.vocab.add_eos, bos: m.vocab.bos, eos: m.vocab.eos });
    expect(tok.vocabSize).toBe(m.vocab.n_tokens);
    for (const c of m.cases) {
      const got = {
        text: c.text,
        tokens: tok.encode(c.text, { addSpecial: false, parseSpecial: false }),
        tokens_parse_special: tok.encode(c.text, { addSpecial: false, parseSpecial: true }),
        tokens_add_special: tok.encode(c.text, { addSpecial: true, parseSpecial: false }),
        tokens_add_special_parse_special: tok.encode(c.text, { addSpecial: true, parseSpecial: true }),
        detokenize: tok.decode(c.tokens),
        detokenize_parse_special: tok.decode(c.tokens_parse_special, { unparseSpecial: true }),
      };
      const want = {
        text: c.text,
        tokens: c.tokens,
        tokens_parse_special: c.tokens_parse_special,
        tokens_add_special: c.tokens_add_special,
        tokens_add_special_parse_special: c.tokens_add_special_parse_special,
        detokenize: c.detokenize,
        detokenize_parse_special: c.detokenize_parse_special,
      };
      expect(got).toEqual(want);
    }
  });
});

describe('model fixtures (synthetic SPM vocabulary)', () => {
  it.each(['llama-F32', 'qwen3-F32', 'mamba-F32', 'jamba-F32', 'granitehybrid-F32', 'llama_long-F32'])('%s: vocabulary and prompt', async (name) => {
    const tok = await fixtureTokenizer(name);
    const m = manifest(name);
    expect(tok.vocabSize).toBe(m.n_vocab);
    expect(tok.vocab.type).toBe('spm');
    expect({ bos: tok.bos, eos: tok.eos, unk: tok.unk, addBos: tok.addBos }).toEqual({ bos: 1, eos: 2, unk: 0, addBos: true });
    expect(m.tokens[0]).toBe(tok.bos);
    expect(tok.isEog(tok.eos)).toBe(true);
    // How these ids detokenize and re-tokenize is checked against llama.cpp in differential.test.ts.
  });
});
