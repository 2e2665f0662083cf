// The tokenizer of a model file: llama.cpp's llama_tokenize / llama_detokenize / token_to_piece
// over a Vocab, with SPM or byte-level BPE underneath.
import type { GgufFile } from '../gguf/types.ts';
import { bpeTokenizeWord } from './bpe.ts';
import { detokenizeBytes, renderPiece, type DetokenizeOptions } from './detokenize.ts';
import { regexSplit } from './regex-split.ts';
import { partitionSpecial } from './special-split.ts';
import { spmTokenize } from './spm.ts';
import { StreamDecoder } from './stream-decoder.ts';
import { Attr, NO_TOKEN, buildVocab, type Vocab } from './vocab.ts';
import { rawVocabFromMetadata } from './vocab-metadata.ts';

export interface EncodeOptions {
  /** Add BOS/EOS as the vocabulary asks (llama.cpp's add_special). Default true. */
  addSpecial?: boolean;
  /** Turn literal control-token text such as `<|im_start|>` into its token (parse_special). Default false. */
  parseSpecial?: boolean;
}

export interface PieceOptions {
  /** Render control and unknown tokens as their text. Default true. */
  special?: boolean;
}

const WORD_CACHE_LIMIT = 1 << 16;
const decoder = new TextDecoder('utf-8');
const EMPTY = new Uint8Array(0);

export class Tokenizer {
  private readonly pieces: (Uint8Array | undefined)[];
  private readonly wordCache = new Map<string, number[]>();

  constructor(readonly vocab: Vocab) {
    this.pieces = new Array(vocab.tokens.length);
  }

  get vocabSize(): number { return this.vocab.tokens.length; }
  /** Special ids; -1 where the vocabulary has none. */
  get bos(): number { return this.vocab.bos; }
  get eos(): number { return this.vocab.eos; }
  get eot(): number { return this.vocab.eot; }
  get eom(): number { return this.vocab.eom; }
  get unk(): number { return this.vocab.unk; }
  get pad(): number { return this.vocab.pad; }
  get sep(): number { return this.vocab.sep; }
  get addBos(): boolean { return this.vocab.addBos; }
  get addEos(): boolean { return this.vocab.addEos; }
  /** Ids that end generation (EOS, EOT, EOM and the end-of-turn tokens llama.cpp recognises). */
  get eog(): ReadonlySet<number> { return this.vocab.eog; }

  isEog(id: number): boolean { return id !== NO_TOKEN && this.vocab.eog.has(id); }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const addSpecial = opts.addSpecial ?? true;
    const v = this.vocab;
    const out: number[] = [];
    const fragments = partitionSpecial(v, text, opts.parseSpecial ?? false);
    if (addSpecial && v.addBos && v.bos !== NO_TOKEN) out.push(v.bos);
    if (v.type === 'spm') {
      let prevSpecial = true; // the first text fragment gets the space prefix
      for (const f of fragments) {
        if (typeof f === 'number') { out.push(f); prevSpecial = true; continue; }
        const t = v.addSpacePrefix && prevSpecial ? ' ' + f : f;
        this.encodeSpm(t.replaceAll(' ', '\u2581'), out);
        prevSpecial = false;
      }
    } else {
      for (const f of fragments) {
        if (typeof f === 'number') { out.push(f); continue; }
        for (const word of regexSplit(f, v.pre!.regexes)) this.encodeWord(word, out);
      }
    }
    if (addSpecial && v.addEos && v.eos !== NO_TOKEN) out.push(v.eos);
    return out;
  }

  private encodeSpm(text: string, out: number[]): void {
    if (!this.vocab.spmWordsIndependent) { spmTokenize(this.vocab, text, out); return; }
    // Cut before every ▁ that follows another character: "▁the▁▁cat" → "▁the", "▁▁cat".
    let start = 0;
    for (let i = 1; i < text.length; i++) {
      if (text.charCodeAt(i) === 0x2581 && text.charCodeAt(i - 1) !== 0x2581) {
        this.encodeWord(text.slice(start, i), out);
        start = i;
      }
    }
    this.encodeWord(text.slice(start), out);
  }

  /** A pre-token (BPE) or ▁-led word (SPM), through the cache. */
  private encodeWord(word: string, out: number[]): void {
    const hit = this.wordCache.get(word);
    if (hit) { for (const id of hit) out.push(id); return; }
    const start = out.length;
    if (this.vocab.type === 'spm') spmTokenize(this.vocab, word, out);
    else bpeTokenizeWord(this.vocab, word, out);
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, out.slice(start));
  }

  /** The bytes of one token (may be part of a UTF-8 character, e.g. a byte token). */
  tokenToPieceBytes(id: number, opts: PieceOptions = {}): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`);
    if (opts.special === false && (this.vocab.attrs[id] & (Attr.UNKNOWN | Attr.CONTROL))) return EMPTY;
    return (this.pieces[id] ??= renderPiece(this.vocab, id));
  }

  /** One token as text (a partial UTF-8 character shows as U+FFFD; use streamDecoder for streams). */
  tokenToPiece(id: number, opts: PieceOptions = {}): string {
    return decoder.decode(this.tokenToPieceBytes(id, opts));
  }

  decodeBytes(ids: readonly number[], opts: DetokenizeOptions = {}): Uint8Array {
    return detokenizeBytes(this.vocab, (id) => this.tokenToPieceBytes(id), ids, opts);
  }

  /** llama_detokenize(ids, remove_special, unparse_special); both default to false. */
  decode(ids: readonly number[], opts: DetokenizeOptions = {}): string {
    return decoder.decode(this.decodeBytes(ids, opts));
  }

  /** A UTF-8-safe incremental decoder for generated tokens (control tokens hidden unless `special`). */
  streamDecoder(opts: PieceOptions = { special: false }): StreamDecoder {
    return new StreamDecoder((id) => this.tokenToPieceBytes(id, opts));
  }
}

export function tokenizerFromMetadata(metadata: GgufFile['metadata']): Tokenizer {
  return new Tokenizer(buildVocab(rawVocabFromMetadata(metadata)));
}

/** The tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata. */
export function tokenizerFromGguf(file: GgufFile): Tokenizer {
  return tokenizerFromMetadata(file.metadata);
}
