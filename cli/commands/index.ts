// Every CLI subcommand, by name. Each lives in its own file.
import type { CliCommand } from '../args.ts';
import { bench } from './bench.ts';
import { detokenize } from './detokenize.ts';
import { generate } from './generate.ts';
import { inspect } from './inspect.ts';
import { logits } from './logits.ts';
import { pull } from './pull.ts';
import { tokenize } from './tokenize.ts';

export const COMMANDS: Record<string, CliCommand> = {
  inspect,
  tokenize,
  detokenize,
  logits,
  generate,
  bench,
  pull,
};
