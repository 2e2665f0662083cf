// Byte-level BPE pre-tokenizers by `tokenizer.ggml.pre`: the regexes llama.cpp applies in order
// (each one splits the pieces the previous left) and the per-type flags it sets while loading.
// Facts taken from llama.cpp's llama-vocab.cpp (release bundled with node-llama-cpp 3.22.1).
import { EdgewiseError, quoteName } from '../errors.ts';

export interface PreTokenizer {
  /** Applied in order; three of them have exact hand-written splitters in regex-split.ts. */
  readonly regexes: readonly string[];
  /** A whole pre-token that is already a vocabulary entry is emitted as is, without merging. */
  readonly ignoreMerges: boolean;
  /** Default of add_bos when `tokenizer.ggml.add_bos_token` is absent. */
  readonly addBos: boolean;
  /** Detokenizer removes spaces before ?!., and in some contractions (clean_up_tokenization_spaces). */
  readonly cleanSpaces: boolean;
  /** The vocabulary has no BOS even if a default id exists. */
  readonly noBos?: boolean;
}

const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
export const REGEX_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
export const REGEX_LLAMA3 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
export const REGEX_QWEN2 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;

const DEFAULT = ['[\\p{P}\\$\\+<=>\\^~\\|]+', REGEX_GPT2, '\\p{N}+', '[0-9][0-9][0-9]'];
const STARCODER = ['\\p{N}', REGEX_GPT2];
const DEEPSEEK_CODER = ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'];
const FALCON = ['[\\p{P}\\$\\+<=>\\^~\\|`]+', REGEX_GPT2, '[0-9][0-9][0-9]'];

type Row = [names: string[], regexes: string[], flags: Partial<Omit<PreTokenizer, 'regexes'>>];

const TABLE: Row[] = [
  [['default'], DEFAULT, {}],
  [['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'],
    [REGEX_LLAMA3], { ignoreMerges: true, addBos: true }],
  // Granite 4.0 (and -H) ship pre "dbrx": the Llama-3 regex without Llama-3's loading flags.
  [['dbrx', 'smaug-bpe'], [REGEX_LLAMA3], {}],
  [['glm4', 'chatglm-bpe'], [REGEX_LLAMA3], { noBos: true }],
  [['gpt-2', 'phi-2', 'jina-es', 'jina-de', 'gigachat', 'jina-v2-es', 'jina-v2-de', 'a.x-4.0', 'mellum',
    'modern-bert', 'mpt', 'olmo', 'jais', 'exaone4'], [REGEX_GPT2], {}],
  [['trillion', 'granite-docling'], [REGEX_GPT2], { cleanSpaces: false }],
  [['starcoder', 'refact', 'codeshell', 'exaone', 'minerva-7b', 'mellum2'], STARCODER, {}],
  [['smollm', 'command-r'], STARCODER, { cleanSpaces: false }],
  [['qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'hunyuan', 'solar-open'], [REGEX_QWEN2], { cleanSpaces: false }],
  [['megrez', 'stablelm2'], [REGEX_QWEN2], {}],
  [['deepseek-coder'], DEEPSEEK_CODER, { cleanSpaces: false }],
  [['falcon'], FALCON, {}],
];

const BY_NAME = new Map<string, PreTokenizer>();
for (const [names, regexes, flags] of TABLE) {
  const pre: PreTokenizer = { regexes, ignoreMerges: false, addBos: false, cleanSpaces: true, ...flags };
  for (const name of names) BY_NAME.set(name, pre);
}

export const SUPPORTED_PRE_TYPES: readonly string[] = [...BY_NAME.keys()];

/** The pre-tokenizer for a `tokenizer.ggml.pre` value; a missing value means 'default', as in llama.cpp. */
export function preTokenizerFor(pre: string | undefined): PreTokenizer {
  const found = BY_NAME.get(pre === undefined || pre === '' ? 'default' : pre);
  if (!found) {
    throw new EdgewiseError('tokenizer', `unsupported BPE pre-tokenizer ${quoteName(pre ?? '')} (tokenizer.ggml.pre); Edgewise knows llama.cpp's ${SUPPORTED_PRE_TYPES.length}, e.g. llama3, qwen2, gpt-2, deepseek-coder`);
  }
  return found;
}
