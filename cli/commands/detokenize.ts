// edgewise detokenize <model.gguf> --tokens 1,2,3 [--special]
// Prints llama_detokenize(ids, remove_special = false, unparse_special).
import { readGguf } from '../../model/gguf/reader.ts';
import { tokenizerFromGguf } from '../../model/tokenizer/tokenizer.ts';
import { UsageError, intList, parse, type CliCommand } from '../args.ts';
import { nodeFileSource } from '../file-source.ts';

export const detokenize: CliCommand = {
  summary: 'text of token ids, as llama.cpp detokenizes them',
  usage: 'usage: edgewise detokenize <model.gguf> --tokens 1,2,3 [--special]\n' +
    '  --special   render control tokens (e.g. <|im_end|>) as their text',
  async run(argv) {
    const { values, positionals } = parse(argv, { tokens: { type: 'string' }, special: { type: 'boolean' } }, 1);
    if (values.tokens === undefined) throw new UsageError('--tokens is required');
    const ids = intList(values.tokens, '--tokens');
    const src = await nodeFileSource(positionals[0]);
    try {
      const tok = tokenizerFromGguf(await readGguf(src));
      const bad = ids.find((id) => id >= tok.vocabSize);
      if (bad !== undefined) throw new UsageError(`token ${bad} is outside the vocabulary (0..${tok.vocabSize - 1})`);
      process.stdout.write(tok.decode(ids, { unparseSpecial: values.special ?? false }) + '\n');
      return 0;
    } finally {
      await src.close();
    }
  },
};
