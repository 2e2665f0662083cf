// Constrained decoding's public surface: schema → grammar, vocabulary → token index (once per
// model), matcher masks, the constrained backend and the top-k filter. See constrained.ts for
// how a session plugs in.
export { compileJsonSchema, type Grammar } from './schema.ts';
export { TokenIndex, grammarVocabFromTokenizer, type GrammarVocab } from './token-index.ts';
export { CompiledGrammar, GrammarMatcher, maskHas } from './matcher.ts';
export { ConstrainedBackend, type ConstrainedOptions, type MaskableBackend } from './constrained.ts';
export { maskCandidates, type CandidateList } from './candidates.ts';
