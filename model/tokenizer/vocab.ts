// The vocabulary as llama.cpp loads it: tokens, scores, per-token attributes, merges, special ids
// and flags, with llama.cpp's defaults where keys are absent and its name-based fix-ups (EOT/EOG
// detection, "unused" control tokens, Phi-3's right-stripping specials). Built from a plain object
// so that tests can make one without a file; vocab-metadata.ts reads one from GGUF metadata.
import { EdgewiseError, quoteName } from '../errors.ts';
import { preTokenizerFor, type PreTokenizer } from './pre-types.ts';

/** llama.cpp's llama_token_type, as stored in `tokenizer.ggml.token_type`. */
export const TokenType = { UNDEFINED: 0, NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** llama.cpp's llama_token_attr bits. */
export const Attr = {
  UNDEFINED: 0, UNKNOWN: 1, UNUSED: 2, NORMAL: 4, CONTROL: 8, USER_DEFINED: 16, BYTE: 32,
  NORMALIZED: 64, LSTRIP: 128, RSTRIP: 256, SINGLE_WORD: 512,
} as const;

/** No token (llama.cpp's LLAMA_TOKEN_NULL). */
export const NO_TOKEN = -1;

export interface RawVocab {
  /** `tokenizer.ggml.model`: "llama" (SPM) or "gpt2" (byte-level BPE). */
  model: string;
  /** `tokenizer.ggml.pre`. */
  pre?: string;
  tokens: readonly string[];
  scores?: ArrayLike<number>;
  tokenTypes?: ArrayLike<number>;
  merges?: readonly string[];
  bos?: number; eos?: number; eot?: number; eom?: number; unk?: number; sep?: number; pad?: number;
  fimPre?: number; fimSuf?: number; fimMid?: number; fimPad?: number; fimRep?: number; fimSep?: number;
  addBos?: boolean;
  addEos?: boolean;
  addSpacePrefix?: boolean;
  /** `general.name`: llama.cpp keys a few attribute fix-ups on it. */
  name?: string;
}

export interface Vocab {
  readonly type: 'spm' | 'bpe';
  readonly pre: PreTokenizer | undefined;
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly attrs: Uint16Array;
  readonly tokenToId: ReadonlyMap<string, number>;
  /** "left right" → rank (first occurrence wins). */
  readonly mergeRanks: ReadonlyMap<string, number>;
  readonly bos: number; readonly eos: number; readonly eot: number; readonly eom: number;
  readonly unk: number; readonly sep: number; readonly pad: number;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;
  readonly cleanSpaces: boolean;
  readonly ignoreMerges: boolean;
  readonly eog: ReadonlySet<number>;
  /**
   * SPM only: no token has a ▁ right after another character, so no merge can cross the start of a
   * ▁-led word and words can be tokenized (and cached) one by one with the same result.
   */
  readonly spmWordsIndependent: boolean;
  /** CONTROL, USER_DEFINED and UNKNOWN tokens, longest text (in UTF-8 bytes) first. */
  readonly specialTokens: readonly number[];
}

// Texts llama.cpp recognises as end-of-turn (the first found becomes eot) and as end-of-generation.
const EOT_TEXTS = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>',
  '<EOT>', '_<EOT>', '[EOT]', '<｜end▁of▁sentence｜>', '<end_of_utterance>'];
const EOG_TEXTS = new Set(['<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>',
  '<end_of_turn>', '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>',
  '<end_of_utterance>', '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[']);
const FIM_PRE_TEXTS = ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>'];
const FIM_SUF_TEXTS = ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>'];
const FIM_MID_TEXTS = ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>'];
const FIM_PAD_TEXTS = ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'];
const FIM_REP_TEXTS = ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'];
const FIM_SEP_TEXTS = ['<|file_sep|>'];
/** gpt-oss tokens llama.cpp always renders (forced to USER_DEFINED). */
const ALWAYS_RENDERED = new Set(['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>']);

const ATTR_OF_TYPE: Record<number, number> = {
  [TokenType.UNKNOWN]: Attr.UNKNOWN, [TokenType.UNUSED]: Attr.UNUSED, [TokenType.NORMAL]: Attr.NORMAL,
  [TokenType.CONTROL]: Attr.CONTROL, [TokenType.USER_DEFINED]: Attr.USER_DEFINED, [TokenType.BYTE]: Attr.BYTE,
};

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

export function buildVocab(raw: RawVocab): Vocab {
  let type: 'spm' | 'bpe';
  let pre: PreTokenizer | undefined;
  // Defaults per tokenizer model, before metadata overrides them.
  let bos: number, eos: number, unk: number;
  let addBos: boolean, addSpacePrefix: boolean, cleanSpaces: boolean;
  if (raw.model === 'llama') {
    type = 'spm';
    bos = 1; eos = 2; unk = 0;
    addBos = true; addSpacePrefix = true; cleanSpaces = false;
  } else if (raw.model === 'gpt2') {
    type = 'bpe';
    pre = preTokenizerFor(raw.pre);
    if (!raw.merges) throw new EdgewiseError('tokenizer', 'BPE vocabulary without merges (tokenizer.ggml.merges is missing)');
    bos = pre.noBos ? NO_TOKEN : 11; eos = 11; unk = NO_TOKEN;
    addBos = pre.addBos; addSpacePrefix = false; cleanSpaces = pre.cleanSpaces;
  } else {
    throw new EdgewiseError('tokenizer', `unsupported tokenizer model ${quoteName(raw.model)} (tokenizer.ggml.model); supported: llama (SPM), gpt2 (BPE)`);
  }
  const n = raw.tokens.length;
  if (n === 0) throw new EdgewiseError('tokenizer', 'empty vocabulary (tokenizer.ggml.tokens)');
  if (raw.scores && raw.scores.length < n) throw new EdgewiseError('tokenizer', `tokenizer.ggml.scores has ${raw.scores.length} entries for ${n} tokens`);
  if (raw.tokenTypes && raw.tokenTypes.length < n) throw new EdgewiseError('tokenizer', `tokenizer.ggml.token_type has ${raw.tokenTypes.length} entries for ${n} tokens`);

  const tokens: string[] = new Array(n);
  const scores = new Float32Array(n);
  const attrs = new Uint16Array(n);
  const tokenToId = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const text = raw.tokens[i] === '' ? `[EMPTY_${i}]` : raw.tokens[i];
    tokens[i] = text;
    tokenToId.set(text, i);
    scores[i] = raw.scores ? raw.scores[i] : 0;
    attrs[i] = raw.tokenTypes ? ATTR_OF_TYPE[raw.tokenTypes[i]] ?? Attr.UNDEFINED : Attr.NORMAL;
  }

  const mergeRanks = new Map<string, number>();
  if (type === 'bpe') {
    raw.merges!.forEach((m, rank) => {
      if (m.indexOf(' ', 1) > 0 && !mergeRanks.has(m)) mergeRanks.set(m, rank);
    });
  }

  // Ids from metadata replace the defaults only when in range; defaults out of range are dropped.
  const pick = (fallback: number, value: number | undefined) => {
    const base = fallback >= n ? NO_TOKEN : fallback;
    return value !== undefined && value >= 0 && value < n ? value : base;
  };
  bos = pick(bos, raw.bos); eos = pick(eos, raw.eos); unk = pick(unk, raw.unk);
  let eot = pick(NO_TOKEN, raw.eot);
  let eom = pick(NO_TOKEN, raw.eom);
  const sep = pick(NO_TOKEN, raw.sep);
  const pad = pick(NO_TOKEN, raw.pad);
  let fimPad = pick(NO_TOKEN, raw.fimPad), fimRep = pick(NO_TOKEN, raw.fimRep), fimSep = pick(NO_TOKEN, raw.fimSep);
  if (raw.addBos !== undefined) addBos = raw.addBos;
  const addEos = raw.addEos ?? false;
  if (raw.addSpacePrefix !== undefined) addSpacePrefix = raw.addSpacePrefix;

  const markControl = (id: number) => { attrs[id] |= Attr.CONTROL; };
  // llama.cpp walks an unordered map here, so which of several EOT-looking tokens becomes `eot` is
  // unspecified; we take the first in its list. It matters only for `eot` itself: all are EOG.
  const findByText = (texts: readonly string[]) => {
    for (const t of texts) { const id = tokenToId.get(t); if (id !== undefined) return id; }
    return NO_TOKEN;
  };
  if (eot === NO_TOKEN) { eot = findByText(EOT_TEXTS); if (eot !== NO_TOKEN) markControl(eot); }
  if (eom === NO_TOKEN) { eom = findByText(['<|eom_id|>']); if (eom !== NO_TOKEN) markControl(eom); }
  // FIM prefix/suffix/middle ids only matter here for the CONTROL attribute they confer.
  for (const [given, texts] of [[raw.fimPre, FIM_PRE_TEXTS], [raw.fimSuf, FIM_SUF_TEXTS], [raw.fimMid, FIM_MID_TEXTS]] as const) {
    if (pick(NO_TOKEN, given) === NO_TOKEN) { const id = findByText(texts); if (id !== NO_TOKEN) markControl(id); }
  }
  if (fimPad === NO_TOKEN) { fimPad = findByText(FIM_PAD_TEXTS); if (fimPad !== NO_TOKEN) markControl(fimPad); }
  if (fimRep === NO_TOKEN) { fimRep = findByText(FIM_REP_TEXTS); if (fimRep !== NO_TOKEN) markControl(fimRep); }
  if (fimSep === NO_TOKEN) { fimSep = findByText(FIM_SEP_TEXTS); if (fimSep !== NO_TOKEN) markControl(fimSep); }
  for (const [text, id] of tokenToId) {
    if ((attrs[id] & Attr.CONTROL) && text.includes('unused')) attrs[id] |= Attr.UNUSED;
  }

  const eog = new Set<number>();
  for (const id of [fimPad, fimRep, fimSep]) if (id !== NO_TOKEN) eog.add(id);
  for (const [text, id] of tokenToId) {
    if (EOG_TEXTS.has(text)) { eog.add(id); markControl(id); }
  }
  for (const [text, id] of tokenToId) if (ALWAYS_RENDERED.has(text)) attrs[id] = Attr.USER_DEFINED;
  for (const id of [eos, eot, eom]) if (id !== NO_TOKEN) eog.add(id);
  const textOf = (id: number) => tokens[id];
  const eogWith = (t: string) => [...eog].find((id) => textOf(id) === t);
  const endId = eogWith('<|end|>');
  if (endId !== undefined && ((eogWith('<|return|>') !== undefined && eogWith('<|call|>') !== undefined)
    || ((eogWith('<|call|>') !== undefined || eogWith('<|calls|>') !== undefined) && eogWith('<|flush|>') !== undefined))) {
    eog.delete(endId);
    attrs[endId] = Attr.USER_DEFINED;
  }
  const sId = eogWith('</s>');
  if (sId !== undefined && eogWith('<|tool_response>') !== undefined) {
    eog.delete(sId);
    attrs[sId] = Attr.NORMAL;
  }

  const specialTokens: number[] = [];
  for (let id = 0; id < n; id++) {
    if (attrs[id] & (Attr.CONTROL | Attr.USER_DEFINED | Attr.UNKNOWN)) specialTokens.push(id);
  }
  const byteLen = new Map(specialTokens.map((id) => [id, utf8Length(tokens[id])]));
  specialTokens.sort((a, b) => byteLen.get(b)! - byteLen.get(a)! || a - b);

  // Phi-3: every special token strips the whitespace after it, except these three.
  const name = (raw.name ?? '').toLowerCase();
  if (name.includes('phi-3') || name.includes('phi3')) {
    for (const id of specialTokens) attrs[id] |= Attr.RSTRIP;
    const set = (t: string, on: boolean) => {
      const id = tokenToId.get(t);
      if (id === undefined) throw new EdgewiseError('tokenizer', `Phi-3 vocabulary lacks the token '${t}'`);
      attrs[id] = on ? attrs[id] | Attr.RSTRIP : attrs[id] & ~Attr.RSTRIP;
    };
    set('</s>', true);
    for (const t of ['<unk>', '<s>', '<|endoftext|>']) set(t, false);
  }

  return {
    type, pre, tokens, scores, attrs, tokenToId, mergeRanks,
    bos, eos, eot, eom, unk, sep, pad,
    addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges: pre?.ignoreMerges ?? false,
    eog, specialTokens,
    spmWordsIndependent: type === 'spm' && !tokens.some((t) => /[^\u2581]\u2581/u.test(t)),
  };
}
