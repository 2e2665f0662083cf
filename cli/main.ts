// The `edgewise` command line: one file per subcommand in cli/commands/.
// Exit status: 0 ok, 2 bad usage, 3 bad or unsupported model (its chat template included), 1
// anything else. Errors are one line on stderr (model/errors.ts oneLine), never a stack.
import { EdgewiseError, oneLine } from '../model/errors.ts';
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
      console.error(`edgewise ${name}: ${oneLine(e.message)}`);
      if (e.code === 'usage') return 2;
      return e.code.startsWith('gguf-') || e.code.startsWith('tensor-') || e.code === 'tokenizer' || e.code === 'template' ? 3 : 1;
    }
    // A defect of ours, not of the input: one line, and the stack with EDGEWISE_DEBUG=1.
    const detail = e instanceof Error ? (process.env.EDGEWISE_DEBUG === '1' ? e.stack ?? e.message : `${e.name}: ${e.message}`) : String(e);
    console.error(`edgewise ${name}: internal error: ${process.env.EDGEWISE_DEBUG === '1' ? detail : `${oneLine(detail)} (EDGEWISE_DEBUG=1 prints the stack)`}`);
    return 1;
  }
}
