// edgewise tokenize <model.gguf> (--text T | --stdin) [--no-bos] [--parse-special]
// Prints llama_tokenize(text, add_special, parse_special) as a JSON array of ids.
import { readFileSync } from 'node:fs';
import { readGguf } from '../../model/gguf/reader.ts';
import { tokenizerFromGguf } from '../../model/tokenizer/tokenizer.ts';
import { UsageError, parse, type CliCommand } from '../args.ts';
import { nodeFileSource } from '../file-source.ts';

export const tokenize: CliCommand = {
  summary: 'token ids of a text, as llama.cpp tokenizes it (JSON array)',
  usage: 'usage: edgewise tokenize <model.gguf> (--text T | --stdin) [--no-bos] [--parse-special]\n' +
    '  --no-bos          add_special = false (no BOS/EOS added)\n' +
    '  --parse-special   literal control-token text such as <|im_start|> becomes its token',
  async run(argv) {
    const { values, positionals } = parse(argv, {
      text: { type: 'string' }, stdin: { type: 'boolean' }, 'no-bos': { type: 'boolean' }, 'parse-special': { type: 'boolean' },
    }, 1);
    if ((values.text === undefined) === !values.stdin) throw new UsageError('give exactly one of --text or --stdin');
    const text = values.text ?? readFileSync(0, 'utf8');
    const src = await nodeFileSource(positionals[0]);
    try {
      const tok = tokenizerFromGguf(await readGguf(src));
      const ids = tok.encode(text, { addSpecial: !values['no-bos'], parseSpecial: values['parse-special'] ?? false });
      console.log(JSON.stringify(ids));
      return 0;
    } finally {
      await src.close();
    }
  },
};
