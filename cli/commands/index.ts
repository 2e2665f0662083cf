// Every CLI subcommand, by name. Each lives in its own file.
import type { CliCommand } from '../args.ts';
import { detokenize } from './detokenize.ts';
import { inspect } from './inspect.ts';
import { tokenize } from './tokenize.ts';

export const COMMANDS: Record<string, CliCommand> = {
  inspect,
  tokenize,
  detokenize,
};
