// Constrained decoding's public surface: schema → grammar, vocabulary → token index (once per
// model), matcher masks and the top-k filter. The constrained backend that drives them over a
// model lives in engine/constrained.ts.
export { compileJsonSchema, type Grammar } from './schema.ts';
export { TokenIndex, grammarVocabFromTokenizer, type GrammarVocab } from './token-index.ts';
export { CompiledGrammar, GrammarMatcher, maskHas } from './matcher.ts';
export { maskCandidates, type CandidateList } from './candidates.ts';
