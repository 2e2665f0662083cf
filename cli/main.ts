// The `edgewise` command line: one file per subcommand in cli/commands/.
// Exit status: 0 ok, 2 bad usage, 3 bad or unsupported model, 1 anything else.
import { EdgewiseError } from '../model/errors.ts';
import { COMMANDS } from './commands/index.ts';
import { UsageError } from './args.ts';

const USAGE = `usage: edgewise <command> [options]
commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    (name ? console.log : console.error)(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`edgewise: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`edgewise ${name}: ${e.message}\n${command.usage}`);
      return 2;
    }
    if (e instanceof EdgewiseError) {
      console.error(`edgewise ${name}: ${e.message}`);
      if (e.code === 'usage') return 2;
      return e.code.startsWith('gguf-') || e.code.startsWith('tensor-') || e.code === 'tokenizer' ? 3 : 1;
    }
    console.error(`edgewise ${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 1;
  }
}
