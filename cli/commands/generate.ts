// edgewise generate <model.gguf> (--prompt T | --chat T | --tokens 1,2,3 | --batch F) [sampling options] [--json]
// Streams the continuation to stdout as it is decoded, or with --json prints one object
// {"tokens": [...generated ids], "text": "...", "timings": {...}}. --chat renders one user message
// with the model's chat template; --temperature 0 is greedy (argmax, lowest id on ties).
// --schema file.json constrains the output to JSON valid for that schema (model/grammar): the
// schema is read and compiled before the model loads, so a bad one fails at once.
// --batch prompts.jsonl runs every line as its own sequence of one loaded model, all at once
// (their steps take turns on the GPU), and prints one JSON line per input line, in input order.
import { readFileSync } from 'node:fs';
import { compileJsonSchema } from '../../model/grammar/schema.ts';
import { acquireNodeDevice } from '../../gpu/node-gpu.ts';
import { GpuBackend } from '../../gpu/backend.ts';
import { EngineRuntime } from '../../engine/runtime.ts';
import type { GenerateRequest, GenerateResult, SamplingOptions } from '../../engine/api.ts';
import { EdgewiseError } from '../../model/errors.ts';
import { UsageError, intList, numberOption, parse, type CliCommand } from '../args.ts';
import { cliGemvTuning } from '../gemv-tuning.ts';
import { intOption, openGguf } from '../open-model.ts';

/** llama.cpp's CLI defaults where ours would differ: no repetition penalty unless asked. */
const CLI_REPEAT_PENALTY = 1;

const OPTIONS = {
  prompt: { type: 'string' }, chat: { type: 'string' }, tokens: { type: 'string' },
  'max-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' },
  'top-p': { type: 'string' }, 'min-p': { type: 'string' }, 'repeat-penalty': { type: 'string' },
  seed: { type: 'string' }, ctx: { type: 'string' }, json: { type: 'boolean' }, schema: { type: 'string' },
  batch: { type: 'string' },
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

/** One line of a --batch file: the prompt as token ids, raw text or a chat message, and its own limit. */
interface BatchLine {
  readonly tokens?: number[];
  readonly prompt?: string;
  readonly chat?: string;
  readonly maxTokens?: number;
}

/** The lines of a --batch file (JSON Lines; blank lines are skipped), each checked. */
export function readBatch(path: string): BatchLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--batch: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const lines: BatchLine[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const where = `--batch ${path} line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new UsageError(`${where}: not JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${where}: expected an object`);
    const o = v as Record<string, unknown>;
    const given = (['tokens', 'prompt', 'chat'] as const).filter((k) => o[k] !== undefined);
    if (given.length !== 1) throw new UsageError(`${where}: give exactly one of "tokens", "prompt" or "chat"`);
    if (o.tokens !== undefined && !(Array.isArray(o.tokens) && o.tokens.length > 0 && o.tokens.every((t) => Number.isInteger(t) && t >= 0))) {
      throw new UsageError(`${where}: "tokens" must be a non-empty array of token ids`);
    }
    for (const k of ['prompt', 'chat'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw new UsageError(`${where}: "${k}" must be a string`);
    if (o.maxTokens !== undefined && !(Number.isInteger(o.maxTokens) && (o.maxTokens as number) >= 1)) {
      throw new UsageError(`${where}: "maxTokens" must be a whole number ≥ 1`);
    }
    lines.push({ tokens: o.tokens as number[] | undefined, prompt: o.prompt as string | undefined, chat: o.chat as string | undefined, maxTokens: o.maxTokens as number | undefined });
  }
  if (lines.length === 0) throw new UsageError(`--batch ${path}: no prompts`);
  return lines;
}

/**
 * --ctx is taken as given, past the model's trained context too, as llama.cpp's `-c` is (its
 * "n_ctx_per_seq > n_ctx_train" warning): the user asked for that room, and a model whose
 * context_length is small still runs. One line on stderr says what may go wrong.
 */
function warnPastTraining(trained: number, contextLength: number): void {
  if (trained > 0 && contextLength > trained) {
    console.error(`edgewise generate: warning: --ctx ${contextLength} is longer than the ${trained}-token context the model was trained on; output past ${trained} tokens may degrade`);
  }
}

function resultJson(r: GenerateResult): Record<string, unknown> {
  const { tokens, text, stopReason, closedAtLimit, timings } = r;
  return { tokens, text, stopReason, ...(closedAtLimit ? { closedAtLimit } : {}), timings };
}

export const generate: CliCommand = {
  summary: 'generate text on the GPU from a prompt, a chat message, token ids, or a batch of them',
  usage: 'usage: edgewise generate <model.gguf> (--prompt T | --chat T | --tokens 1,2,3 | --batch F) [--max-tokens N]\n' +
    '                [--temperature X] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [--ctx N]\n' +
    '                [--schema file.json] [--json]\n' +
    '  --prompt T          raw text (BOS added as the model says)\n' +
    '  --chat T            one user message rendered with the model\'s chat template\n' +
    '  --tokens 1,2,3      prompt token ids as they are\n' +
    '  --batch F           JSON Lines, each {"tokens":[...]} | {"prompt":"..."} | {"chat":"..."} (optional "maxTokens"):\n' +
    '                      every line its own sequence on one loaded model; prints one JSON line per input line, in order\n' +
    '  --max-tokens N      tokens to generate at most (default 256)\n' +
    '  --temperature X     0 = greedy (default 0.7); --top-k/--top-p/--min-p as llama.cpp\n' +
    '  --repeat-penalty R  default 1 (off), as llama.cpp\n' +
    '  --ctx N             context length (default: the model\'s, at most 4096); past the model\'s own, with a warning\n' +
    '  --schema F          output is JSON valid for the JSON Schema in file F; ends when the value is complete\n' +
    '                      (near --max-tokens the engine closes the value itself: closedAtLimit in --json)\n' +
    '  --json              print {"tokens", "text", "timings"} instead of streaming text',
  async run(argv) {
    const { values, positionals } = parse(argv, OPTIONS, 1);
    const given = (['prompt', 'chat', 'tokens', 'batch'] as const).filter((k) => values[k] !== undefined);
    if (given.length !== 1) throw new UsageError('give exactly one of --prompt, --chat, --tokens or --batch');
    const sampling = samplingFromArgs(values);
    const maxTokens = intOption(values['max-tokens'], '--max-tokens', 256);
    const contextLength = values.ctx === undefined ? undefined : intOption(values.ctx, '--ctx', 2, 2);
    const ids = values.tokens === undefined ? undefined : intList(values.tokens, '--tokens');
    if (ids && ids.length === 0) throw new UsageError('--tokens needs at least one id');
    const batch = values.batch === undefined ? undefined : readBatch(values.batch);
    const schema = values.schema === undefined ? undefined : readSchema(values.schema);
    const base = { maxTokens, sampling, ...(schema !== undefined ? { schema } : {}) };
    const requestOf = (o: { prompt?: string; chat?: string }): GenerateRequest => ({
      ...base,
      ...(o.chat !== undefined ? { messages: [{ role: 'user' as const, content: o.chat }] } : {}),
      ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
    });

    const gemvTuning = cliGemvTuning();
    const { source, file } = await openGguf(positionals[0]);
    const backend = new GpuBackend(() => acquireNodeDevice(), { gemvTuning });
    const runtime = new EngineRuntime(backend, { maxSequences: batch?.length });
    try {
      await runtime.load(source, file, () => {}, { id: positionals[0], contextLength, exactContext: contextLength !== undefined });
      const { plan } = runtime.loaded!.model;
      if (contextLength !== undefined) warnPastTraining(plan.nCtxTrain, contextLength);
      const nVocab = plan.nVocab;
      const checkIds = (tokens: number[]) => {
        const bad = tokens.find((t) => t >= nVocab);
        if (bad !== undefined) throw new UsageError(`token ${bad} is outside the vocabulary (0..${nVocab - 1})`);
      };
      if (batch) {
        for (const line of batch) if (line.tokens) checkIds(line.tokens);
        const prompts = batch.map((line) => line.tokens ?? runtime.promptTokens(requestOf(line)));
        const results = await Promise.all(batch.map((line, i) => runtime.generateTokens(prompts[i], {
          ...base, maxTokens: line.maxTokens ?? maxTokens, sequence: `line${i}`,
        }, () => {})));
        for (const r of results) console.log(JSON.stringify(values.json ? resultJson(r) : { tokens: r.tokens, text: r.text, stopReason: r.stopReason }));
        return 0;
      }
      if (ids) checkIds(ids);
      const request = requestOf(values);
      const prompt = ids ?? runtime.promptTokens(request);
      const held = runtime.loaded!.model.contextLength;
      if (prompt.length >= held && contextLength === undefined) {
        throw new EdgewiseError('context-full', `the prompt has ${prompt.length} tokens but the default context holds ${held}; pass --ctx ${prompt.length + maxTokens} (past the model's trained context, as llama.cpp allows)`);
      }
      const stream = values.json ? () => {} : (text: string) => process.stdout.write(text);
      const result = await runtime.generateTokens(prompt, request, stream);
      if (values.json) {
        console.log(JSON.stringify(resultJson(result)));
      } else {
        process.stdout.write('\n');
      }
      return 0;
    } finally {
      runtime.unload();
      await backend.close();
      await source.close();
    }
  },
};
