// edgewise generate <model.gguf> (--prompt T | --chat T | --tokens 1,2,3) [sampling options] [--json]
// Streams the continuation to stdout as it is decoded, or with --json prints one object
// {"tokens": [...generated ids], "text": "...", "timings": {...}}. --chat renders one user message
// with the model's chat template; --temperature 0 is greedy (argmax, lowest id on ties).
// --schema file.json constrains the output to JSON valid for that schema (model/grammar): the
// schema is read and compiled before the model loads, so a bad one fails at once.
import { readFileSync } from 'node:fs';
import { compileJsonSchema } from '../../model/grammar/schema.ts';
import { acquireNodeDevice } from '../../gpu/node-gpu.ts';
import { GpuRuntime } from '../../engine/runtime.ts';
import type { GenerateRequest, SamplingOptions } from '../../engine/api.ts';
import { UsageError, intList, numberOption, parse, type CliCommand } from '../args.ts';
import { intOption, openGguf } from '../open-model.ts';

/** llama.cpp's CLI defaults where ours would differ: no repetition penalty unless asked. */
const CLI_REPEAT_PENALTY = 1;

const OPTIONS = {
  prompt: { type: 'string' }, chat: { type: 'string' }, tokens: { type: 'string' },
  'max-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' },
  'top-p': { type: 'string' }, 'min-p': { type: 'string' }, 'repeat-penalty': { type: 'string' },
  seed: { type: 'string' }, ctx: { type: 'string' }, json: { type: 'boolean' }, schema: { type: 'string' },
} as const;

function unitInterval(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOption(value, what, 0);
  if (n < 0 || n > 1) throw new UsageError(`${what} must be between 0 and 1, got '${value}'`);
  return n;
}

export function samplingFromArgs(v: Partial<Record<keyof typeof OPTIONS, string | boolean>>): SamplingOptions {
  const s = (k: keyof typeof OPTIONS) => v[k] as string | undefined;
  const temperature = s('temperature') === undefined ? undefined : numberOption(s('temperature'), '--temperature', 0);
  if (temperature !== undefined && temperature < 0) throw new UsageError('--temperature must be ≥ 0');
  const repetitionPenalty = numberOption(s('repeat-penalty'), '--repeat-penalty', CLI_REPEAT_PENALTY);
  if (repetitionPenalty <= 0) throw new UsageError('--repeat-penalty must be > 0 (1 turns it off)');
  return {
    temperature,
    topK: s('top-k') === undefined ? undefined : intOption(s('top-k'), '--top-k', 0, 0),
    topP: unitInterval(s('top-p'), '--top-p'),
    minP: unitInterval(s('min-p'), '--min-p'),
    repetitionPenalty,
    seed: s('seed') === undefined ? undefined : intOption(s('seed'), '--seed', 0, 0),
  };
}

/** The JSON schema in `path`, checked to be in the subset model/grammar compiles. */
function readSchema(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--schema: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--schema: ${path} is not JSON (${(e as Error).message})`);
  }
  compileJsonSchema(schema);
  return schema;
}

export const generate: CliCommand = {
  summary: 'generate text on the GPU from a prompt, a chat message or token ids',
  usage: 'usage: edgewise generate <model.gguf> (--prompt T | --chat T | --tokens 1,2,3) [--max-tokens N]\n' +
    '                [--temperature X] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [--ctx N]\n' +
    '                [--schema file.json] [--json]\n' +
    '  --prompt T          raw text (BOS added as the model says)\n' +
    '  --chat T            one user message rendered with the model\'s chat template\n' +
    '  --tokens 1,2,3      prompt token ids as they are\n' +
    '  --max-tokens N      tokens to generate at most (default 256)\n' +
    '  --temperature X     0 = greedy (default 0.7); --top-k/--top-p/--min-p as llama.cpp\n' +
    '  --repeat-penalty R  default 1 (off), as llama.cpp\n' +
    '  --ctx N             context length (default: the model\'s, at most 4096)\n' +
    '  --schema F          output is JSON valid for the JSON Schema in file F; ends when the value is complete\n' +
    '                      (near --max-tokens the engine closes the value itself: closedAtLimit in --json)\n' +
    '  --json              print {"tokens", "text", "timings"} instead of streaming text',
  async run(argv) {
    const { values, positionals } = parse(argv, OPTIONS, 1);
    const given = (['prompt', 'chat', 'tokens'] as const).filter((k) => values[k] !== undefined);
    if (given.length !== 1) throw new UsageError('give exactly one of --prompt, --chat or --tokens');
    const sampling = samplingFromArgs(values);
    const maxTokens = intOption(values['max-tokens'], '--max-tokens', 256);
    const contextLength = values.ctx === undefined ? undefined : intOption(values.ctx, '--ctx', 2, 2);
    const ids = values.tokens === undefined ? undefined : intList(values.tokens, '--tokens');
    if (ids && ids.length === 0) throw new UsageError('--tokens needs at least one id');
    const schema = values.schema === undefined ? undefined : readSchema(values.schema);
    const request: GenerateRequest = {
      maxTokens, sampling, ...(schema !== undefined ? { schema } : {}),
      ...(values.chat !== undefined ? { messages: [{ role: 'user' as const, content: values.chat }] } : {}),
      ...(values.prompt !== undefined ? { prompt: values.prompt } : {}),
    };

    const { source, file } = await openGguf(positionals[0]);
    const runtime = new GpuRuntime(() => acquireNodeDevice());
    try {
      await runtime.load(source, file, () => {}, { id: positionals[0], contextLength });
      const { session } = runtime.loaded!;
      const bad = ids?.find((t) => t >= session.plan.nVocab);
      if (bad !== undefined) throw new UsageError(`token ${bad} is outside the vocabulary (0..${session.plan.nVocab - 1})`);
      const prompt = ids ?? runtime.promptTokens(request);
      const stream = values.json ? () => {} : (text: string) => process.stdout.write(text);
      const result = await runtime.generateTokens(prompt, request, stream);
      if (values.json) {
        const { tokens, text, stopReason, closedAtLimit, timings } = result;
        console.log(JSON.stringify({ tokens, text, stopReason, ...(closedAtLimit ? { closedAtLimit } : {}), timings }));
      } else {
        process.stdout.write('\n');
      }
      return 0;
    } finally {
      const device = runtime.loaded?.session.ctx.device;
      runtime.unload();
      device?.destroy();
      await source.close();
    }
  },
};
