// Behaviour beyond the llama.cpp comparisons: the streaming decoder never emits half a
// character, unsupported metadata fails with a typed error naming the value, and the EOG set.
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { Tokenizer } from '../../../model/tokenizer/tokenizer.ts';
import { buildVocab, TokenType } from '../../../model/tokenizer/vocab.ts';
import { fixtureTokenizer } from './helpers.ts';

function errorOf(fn: () => unknown): EdgewiseError | string {
  try { fn(); } catch (e) { return e instanceof EdgewiseError ? e : String(e); }
  return 'no error';
}

describe('streaming decoder', () => {
  it('holds back byte tokens until the character completes (SPM byte fallback)', async () => {
    const tok = await fixtureTokenizer('tok-spm-llama2');
    const text = 'ok 🧑🏿‍💻 done é';
    const ids = tok.encode(text, { addSpecial: false });
    // The emoji has no token of its own: it comes out as <0xNN> byte tokens.
    expect(ids.some((id) => tok.vocab.attrs[id] & 32)).toBe(true);
    const stream = tok.streamDecoder();
    const deltas = ids.map((id) => stream.push(id));
    deltas.push(stream.flush());
    for (const d of deltas) expect(d).not.toContain('\ufffd');
    expect(deltas.filter((d) => d === '').length).toBeGreaterThan(0);
    // A stream is for continuations: it keeps the piece's ▁-space that decode() drops at the start.
    expect(deltas.join('')).toBe(' ' + text);
  });

  it('holds back partial characters of byte-level BPE pieces', async () => {
    const tok = await fixtureTokenizer('tok-bpe-qwen3');
    const text = '漢字とカタカナ 👨‍👩‍👧‍👦 🫠 ≠ ∑';
    const ids = tok.encode(text, { addSpecial: false });
    const stream = tok.streamDecoder();
    const deltas = ids.map((id) => stream.push(id));
    deltas.push(stream.flush());
    for (const d of deltas) expect(d).not.toContain('\ufffd');
    expect(deltas.join('')).toBe(text);
  });

  it('hides control tokens unless asked, and ends an incomplete character as U+FFFD', async () => {
    const tok = await fixtureTokenizer('tok-bpe-qwen3');
    const imEnd = tok.vocab.tokenToId.get('<|im_end|>')!;
    expect(tok.streamDecoder().push(imEnd)).toBe('');
    expect(tok.streamDecoder({ special: true }).push(imEnd)).toBe('<|im_end|>');
    const firstByteOfEmoji = tok.encode('🫠', { addSpecial: false })[0];
    const stream = tok.streamDecoder();
    expect(stream.push(firstByteOfEmoji)).toBe('');
    expect(stream.flush()).toBe('\ufffd');
  });
});

describe('end of generation', () => {
  it('includes eos and the end-of-turn tokens the vocabulary has', async () => {
    const qwen = await fixtureTokenizer('tok-bpe-qwen3');
    for (const t of ['<|im_end|>', '<|endoftext|>']) expect(qwen.isEog(qwen.vocab.tokenToId.get(t)!)).toBe(true);
    expect(qwen.isEog(qwen.vocab.tokenToId.get('<|im_start|>')!)).toBe(false);
    const gemma = await fixtureTokenizer('tok-spm-gemma3');
    expect(gemma.isEog(gemma.vocab.tokenToId.get('<end_of_turn>')!)).toBe(true);
    expect(gemma.isEog(-1)).toBe(false);
  });
});

describe('unsupported metadata', () => {
  const tokens = ['a', 'b', 'ab'];
  it('an unknown BPE pre-tokenizer names the value', () => {
    const e = errorOf(() => buildVocab({ model: 'gpt2', pre: 'no-such-pre', tokens, merges: ['a b'] }));
    expect(e).toBeInstanceOf(EdgewiseError);
    expect((e as EdgewiseError).code).toBe('tokenizer');
    expect((e as EdgewiseError).message).toContain('"no-such-pre"');
  });

  it('an unknown tokenizer model names the value', () => {
    const e = errorOf(() => buildVocab({ model: 't5', tokens }));
    expect((e as EdgewiseError).code).toBe('tokenizer');
    expect((e as EdgewiseError).message).toContain('"t5"');
  });

  it('BPE without merges, and SPM text with no byte token for a character, are tokenizer errors', () => {
    expect((errorOf(() => buildVocab({ model: 'gpt2', pre: 'gpt-2', tokens })) as EdgewiseError).code).toBe('tokenizer');
    const tok = new Tokenizer(buildVocab({ model: 'llama', tokens: ['<unk>', '<s>', '</s>', '▁a'], tokenTypes: [2, 3, 3, 1].map(Number) }));
    expect(tok.encode('a', { addSpecial: false })).toEqual([3]);
    expect((errorOf(() => tok.encode('z')) as EdgewiseError).code).toBe('tokenizer');
  });

  it('a plain vocabulary object works without a file (SPM merges by score)', () => {
    const v = buildVocab({
      model: 'llama', tokens: ['<unk>', '<s>', '</s>', '▁', 'h', 'i', 'hi', '▁hi'], scores: [0, 0, 0, -1, -1, -1, -2, -3],
      tokenTypes: [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL, 1, 1, 1, 1, 1],
    });
    const tok = new Tokenizer(v);
    expect(tok.encode('hi')).toEqual([1, 7]);
    expect(tok.decode([7])).toBe('hi');
    // As llama.cpp: the leading space is dropped only from the first token, and a BOS is a token.
    expect(tok.decode([1, 7])).toBe(' hi');
  });
});
