// Every CLI subcommand, by name. Each lives in its own file.
import type { CliCommand } from '../args.ts';

export const COMMANDS: Record<string, CliCommand> = {};
