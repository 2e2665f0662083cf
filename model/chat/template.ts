// Chat prompts from a model's own `tokenizer.chat_template` (Jinja, rendered with
// @huggingface/jinja the way transformers' apply_chat_template renders it), with ChatML for
// models that ship none. A template that does not parse or render is a typed 'template' error.
//
// The template comes from the model file, so it is untrusted code: `range(1000000)` or two nested
// loops of 3000 would hold the engine's thread for seconds to minutes, and rendering is
// synchronous, so nothing (Stop included) runs until it returns. Every render therefore runs
// under a budget (RenderBudget): the interpreter counts the expressions and statements it
// evaluates and checks the clock every STEPS_PER_CLOCK_CHECK of them. A loop iteration whose body
// is empty evaluates nothing, so every `for` body starts with a no-op that counts (TICK); an
// array costs a step per item when it is made (filters walk arrays natively); `range()` refuses
// more items than the steps left, and no value may grow past MAX_VALUE_CHARS characters or items
// (string doubling reaches any size in a few steps). Over budget is a 'template' error naming
// the template. Real templates need about 10 to 50 steps per message (Qwen3, Llama 3.x, Granite,
// Jamba: see tests/unit/chat/template-budget.test.ts), so the default budget leaves a 100-message
// chat two orders of magnitude of room while bounding how long a Stop waits behind a render.
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { EdgewiseError, oneLine } from '../errors.ts';
import type { GgufFile } from '../gguf/types.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
  /** A previous assistant turn's reasoning, for templates that re-insert it (Qwen3, Jamba). */
  reasoning_content?: string;
}

export interface RenderOptions {
  /** End with the opening of an assistant turn. Default true. */
  addGenerationPrompt?: boolean;
  /**
   * Qwen3-style switch read by templates that support it (`enable_thinking`); false makes Qwen3 open
   * the assistant turn with an empty <think></think>. Left undefined, the template's default applies.
   */
  enableThinking?: boolean;
  /** Further template variables (e.g. `date_string` for Llama 3.x). */
  variables?: Record<string, unknown>;
}

/** The ChatML layout, used when a model file carries no template. */
export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** What one render may spend: interpreter steps, and wall-clock time as a backstop for costly single steps. */
export interface RenderBudget {
  readonly steps: number;
  readonly ms: number;
}

export const DEFAULT_RENDER_BUDGET: RenderBudget = { steps: 1_000_000, ms: 1000 };

/** Longest string or array a template may build: far above any prompt a context holds (1M tokens ≈ 4M characters). */
const MAX_VALUE_CHARS = 16 * 1024 * 1024;
/** Templates longer than this are refused before parsing; real ones are tens of KB. */
const MAX_SOURCE_CHARS = 1024 * 1024;
const STEPS_PER_CLOCK_CHECK = 1024;

/** Thrown inside the interpreter when the budget runs out; render() turns it into the typed error. */
class OverBudget extends Error {}

type RuntimeValue = ReturnType<Interpreter['evaluate']>;

/** The interpreter with every evaluation counted against a budget. */
class BudgetedInterpreter extends Interpreter {
  private steps = 0;
  private readonly deadline: number;

  constructor(env: Environment, private readonly budget: RenderBudget) {
    super(env);
    this.deadline = performance.now() + budget.ms;
  }

  /** Steps not yet spent: what `range()` may still produce. */
  get stepsLeft(): number {
    return this.budget.steps - this.steps;
  }

  private spend(steps: number): void {
    const before = this.steps;
    this.steps += steps;
    if (this.steps > this.budget.steps) throw new OverBudget(`${this.budget.steps} steps`);
    if (Math.floor(before / STEPS_PER_CLOCK_CHECK) !== Math.floor(this.steps / STEPS_PER_CLOCK_CHECK) && performance.now() > this.deadline) {
      throw new OverBudget(`${this.budget.ms} ms`);
    }
  }

  override evaluate(statement: Parameters<Interpreter['evaluate']>[0], environment: Environment): RuntimeValue {
    this.spend(1);
    const value = super.evaluate(statement, environment);
    const inner = (value as { value?: unknown }).value;
    if ((typeof inner === 'string' || Array.isArray(inner)) && inner.length > MAX_VALUE_CHARS) {
      throw new OverBudget(`a value of ${MAX_VALUE_CHARS} characters or items`);
    }
    if (Array.isArray(inner) && statement?.type !== 'Identifier') this.spend(inner.length);
    return value;
  }
}

/** A statement that renders nothing; evaluating it spends a step and may check the clock. */
const TICK = { type: 'Comment', value: '' };

/** Puts TICK first in every `for` body of a parsed template, so that each iteration counts. */
function tickLoops(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) tickLoops(child);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const child of Object.values(node)) tickLoops(child);
  if ((node as { type?: unknown }).type === 'For') (node as { body: unknown[] }).body.unshift(TICK);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Python's strftime for the fields chat templates use (Llama 3.x writes today's date), as @huggingface/jinja has it. */
function strftimeNow(format: string): string {
  const d = new Date();
  const month = (style: 'long' | 'short') => new Intl.DateTimeFormat(undefined, { month: style }).format(d);
  return format.replace(/%[YmdbBHM%]/g, (f) => ({
    '%Y': String(d.getFullYear()), '%m': pad2(d.getMonth() + 1), '%d': pad2(d.getDate()), '%b': month('short'),
    '%B': month('long'), '%H': pad2(d.getHours()), '%M': pad2(d.getMinutes()), '%%': '%',
  })[f] ?? f);
}

/**
 * The globals @huggingface/jinja's Template.render declares, with `range` bounded by the budget
 * (a range longer than the steps left could never be iterated, only allocated).
 */
function budgetedGlobals(env: Environment, stepsLeft: () => number): void {
  for (const [name, value] of [['true', true], ['false', false], ['none', null], ['True', true], ['False', false], ['None', null]] as const) {
    env.set(name, value);
  }
  env.set('raise_exception', (message: string) => { throw new Error(message); });
  env.set('strftime_now', strftimeNow);
  env.set('range', (start: number, stop?: number, step = 1) => {
    const [from, to] = stop === undefined ? [0, start] : [start, stop];
    if (step === 0) throw new Error('range() step must not be zero');
    if (![from, to, step].every(Number.isFinite)) throw new Error('range() takes finite numbers');
    const length = Math.max(0, Math.ceil((to - from) / step));
    if (!(length <= stepsLeft())) throw new OverBudget(`range() of ${length} items`);
    return Array.from({ length }, (_, i) => from + i * step);
  });
}

function parseTemplate(source: string, name: string): Template {
  if (source.length > MAX_SOURCE_CHARS) {
    throw new EdgewiseError('template', `${name} is ${source.length} characters long; Edgewise reads templates of up to ${MAX_SOURCE_CHARS}`);
  }
  try {
    const template = new Template(source);
    tickLoops(template.parsed);
    return template;
  } catch (e) {
    throw new EdgewiseError('template', `${name} does not parse: ${oneLine((e as Error).message, 160)}`, { cause: e });
  }
}

export class ChatTemplate {
  private readonly template?: Template;
  private readonly parseError?: EdgewiseError;

  /**
   * `bosToken`/`eosToken` are the texts templates see as bos_token / eos_token; `name` says which
   * template an error is about (e.g. "the model's chat template (tokenizer.chat_template)").
   * A template that does not parse throws here, or with `deferErrors` at each render.
   */
  constructor(readonly source: string, readonly bosToken = '', readonly eosToken = '', readonly name = 'the chat template', deferErrors = false) {
    try {
      this.template = parseTemplate(source, name);
    } catch (e) {
      if (!deferErrors || !(e instanceof EdgewiseError)) throw e;
      this.parseError = e;
    }
  }

  /**
   * Whether the template reads a thinking switch (`enable_thinking`, as Qwen3's does), so that a
   * task can ask for an answer without reasoning. Templates without one (Jamba Reasoning 3B
   * always thinks; Llama 3.2 never does) ignore RenderOptions.enableThinking.
   */
  get hasThinkingSwitch(): boolean {
    return /\benable_thinking\b/.test(this.source);
  }

  /** The prompt text; a 'template' error when the template fails or runs past `budget`. */
  render(messages: readonly ChatMessage[], opts: RenderOptions = {}, budget: RenderBudget = DEFAULT_RENDER_BUDGET): string {
    if (!this.template) throw this.parseError!;
    const context: Record<string, unknown> = {
      ...opts.variables,
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: this.bosToken,
      eos_token: this.eosToken,
    };
    if (opts.enableThinking !== undefined) context.enable_thinking = opts.enableThinking;
    const env = new Environment();
    let interpreter: BudgetedInterpreter | undefined;
    budgetedGlobals(env, () => interpreter?.stepsLeft ?? 0);
    try {
      for (const [key, value] of Object.entries(context)) env.set(key, value);
      interpreter = new BudgetedInterpreter(env, budget);
      return interpreter.run(this.template.parsed).value as string;
    } catch (e) {
      if (e instanceof OverBudget) {
        throw new EdgewiseError('template',
          `${this.name} did not finish within its budget (${e.message}); it loops too long for a chat prompt: use a model with a working template, or a raw prompt`);
      }
      const why = e instanceof RangeError && /call stack/.test(e.message) ? 'it recurses without end' : oneLine((e as Error).message, 160);
      throw new EdgewiseError('template', `${this.name} failed to render: ${why}`, { cause: e });
    }
  }
}

/**
 * The template a GGUF file carries (`tokenizer.chat_template`), or ChatML; bos/eos texts from its
 * tokenizer. One that does not parse fails when rendered: the model still runs raw prompts and
 * token ids, as in llama.cpp.
 */
export function chatTemplateFromGguf(file: GgufFile, tokenizer: Tokenizer): ChatTemplate {
  const source = file.metadata.get('tokenizer.chat_template');
  if (source !== undefined && typeof source !== 'string') {
    throw new EdgewiseError('template', "the model's chat template (tokenizer.chat_template) should be a string");
  }
  const text = (id: number) => (id >= 0 ? tokenizer.vocab.tokens[id] : '');
  const name = source === undefined ? 'the built-in ChatML template' : "the model's chat template (tokenizer.chat_template)";
  return new ChatTemplate(source ?? CHATML_TEMPLATE, text(tokenizer.bos), text(tokenizer.eos), name, true);
}
