// The decode loop over any forward backend (the GPU session, or the CPU reference in tests):
// prefill the prompt (reusing whatever prefix the backend already holds), then sample token by
// token until an end-of-generation token, a stop string, the token limit, a full context or an
// abort. Text streams out UTF-8-safe, with anything that could still become a stop string held
// back until it is decided. A reasoning model's output is split as it streams (GenerateOptions.
// reasoning): the reasoning streams apart, has its own token budget (spent, the engine writes the
// close tag itself), and never counts toward maxTokens, stop strings or the returned text.
import type { ReasoningSplitter } from '../model/chat/reasoning.ts';

export interface SamplingSettings {
  readonly temperature: number;   // 0 → greedy (argmax, lowest id on ties)
  readonly topK: number;
  readonly topP: number;
  readonly minP: number;
  readonly repetitionPenalty: number;
  /** How many recent tokens the repetition penalty looks at. */
  readonly penaltyLastN: number;
  readonly seed: number;
}

export const DEFAULT_SAMPLING: SamplingSettings = {
  temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repetitionPenalty: 1.1, penaltyLastN: 64, seed: 0,
};

/** What the loop needs from a model: a token history it can extend, rewind or reset. */
export interface ForwardBackend {
  readonly contextLength: number;
  /** The tokens whose effect the backend's state (KV cache, SSM state) holds, in order. */
  readonly history: readonly number[];
  /** Runs `tokens` after the history and returns the next token, sampled with `sampling`. */
  evalAndSample(tokens: readonly number[], sampling: SamplingSettings): Promise<number>;
  /** Returns to the state after the first `n` history tokens, if it can (false: reset needed). */
  rewind(n: number): boolean;
  reset(): void;
  /** Called once before a generation's first evalAndSample (e.g. to seed its sampler). */
  beginGeneration?(sampling: SamplingSettings): void;
  /**
   * Called once, before the evalAndSample whose sampled token is the first of the answer (at once
   * when there is no reasoning, else after the reasoning's close tag): a constrained backend
   * lets reasoning through and constrains from here.
   */
  beginAnswer?(): void;
}

export interface TextDecoder {
  /** Text completed by this token (incomplete UTF-8 held back). */
  push(token: number): string;
  /** Whatever is still held back. */
  flush(): string;
}

export interface ReasoningOptions {
  /** Splits the output; it starts inside the reasoning when the prompt opened it. */
  readonly splitter: ReasoningSplitter;
  /** Reasoning tokens allowed; once spent, `closeTokens` are written and the answer begins. */
  readonly maxTokens: number;
  /** The close tag (and the blank line models write after it) as tokens. */
  readonly closeTokens: readonly number[];
  /** Tag tokens with their text, for vocabularies where a tag is a control token that decodes to nothing. */
  readonly tagTokens?: ReadonlyMap<number, string>;
}

export interface GenerateOptions {
  /** Tokens of answer (reasoning tokens are not counted). */
  readonly maxTokens: number;
  readonly sampling: SamplingSettings;
  readonly stop?: readonly string[];
  readonly isEog: (token: number) => boolean;
  readonly decoder: TextDecoder;
  readonly signal?: AbortSignal;
  readonly onText?: (delta: string, part: 'reasoning' | 'answer') => void;
  readonly now?: () => number;
  readonly reasoning?: ReasoningOptions;
}

export type StopReason = 'eos' | 'stop-string' | 'max-tokens' | 'context-full' | 'aborted';

export interface GenerateTimings {
  readonly promptTokens: number;
  /** Prompt tokens actually run; the rest were reused from the state the backend already held. */
  readonly prefilledTokens: number;
  readonly generatedTokens: number;
  readonly timeToFirstTokenMs: number;
  readonly prefillTokensPerSecond: number;
  readonly decodeTokensPerSecond: number;
}

export interface GenerateOutcome {
  /** Every generated token, reasoning and the tags included. */
  readonly tokens: number[];
  /** The answer. */
  readonly text: string;
  /** The reasoning, when the output had a reasoning block. */
  readonly reasoning?: string;
  readonly reasoningTokens: number;
  readonly stopReason: StopReason;
  readonly timings: GenerateTimings;
}

/** Length of the common prefix of two token lists. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Brings the backend to a state that holds a prefix of `prompt` and returns the tokens still to
 * run. At least one token is always left to run, since sampling needs the last position's logits.
 */
export function reusePrefix(backend: ForwardBackend, prompt: readonly number[]): number[] {
  let keep = Math.min(commonPrefix(backend.history, prompt), prompt.length - 1);
  if (keep < backend.history.length && !backend.rewind(keep)) {
    backend.reset();
    keep = 0;
  }
  return prompt.slice(keep);
}

/** The longest suffix of `text` that is a proper prefix of some stop string: hold it back. */
export function pendingStopPrefix(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, text.length); k > hold; k--) {
      if (text.endsWith(s.slice(0, k))) { hold = k; break; }
    }
  }
  return hold;
}

export async function generate(backend: ForwardBackend, prompt: readonly number[], opts: GenerateOptions): Promise<GenerateOutcome> {
  if (prompt.length === 0) throw new RangeError('the prompt has no tokens');
  const now = opts.now ?? (() => performance.now());
  const stops = (opts.stop ?? []).filter((s) => s.length > 0);
  const reasoning = opts.reasoning;
  const t0 = now();
  const pending = reusePrefix(backend, prompt);
  backend.beginGeneration?.(opts.sampling);
  const tokens: number[] = [];
  let text = '';      // the answer decoded so far
  let emitted = 0;    // how much of `text` went out through onText
  let answerTokens = 0;
  let reasoningTokens = 0;
  let answerBegun = false;
  let stopReason: StopReason = 'max-tokens';
  let tFirst = t0;
  let decodeEvals = 0;

  const emit = (upTo: number) => {
    if (upTo > emitted) {
      opts.onText?.(text.slice(emitted, upTo), 'answer');
      emitted = upTo;
    }
  };
  let undecided = 0;  // tokens that may yet turn out to open the reasoning
  /** One token's text into the answer, or out as reasoning; the token is counted in its part. */
  const take = (piece: string, count = true): void => {
    if (!reasoning) {
      text += piece;
      if (count) answerTokens++;
      return;
    }
    const { splitter } = reasoning;
    const was = splitter.inReasoning, wasUndecided = splitter.undecided;
    for (const p of splitter.push(piece)) {
      if (p.part === 'answer') text += p.text;
      else opts.onText?.(p.text, 'reasoning');
    }
    if (!count) return;
    if (splitter.undecided) { undecided++; return; }
    // The tags, and the blank line models write after the close tag, count as reasoning.
    const isReasoning = was || splitter.inReasoning || (splitter.hadReasoning && (wasUndecided || splitter.answer === ''));
    if (isReasoning) reasoningTokens += 1 + undecided;
    else answerTokens += 1 + undecided;
    undecided = 0;
  };
  const decode = (token: number): string => {
    const piece = opts.decoder.push(token);
    const tag = reasoning?.tagTokens?.get(token);
    return tag !== undefined && !piece.includes(tag) ? piece + tag : piece;
  };
  const evalNext = (run: readonly number[]) => {
    if (!answerBegun && !reasoning?.splitter.inReasoning) {
      answerBegun = true;
      backend.beginAnswer?.();
    }
    return backend.evalAndSample(run, opts.sampling);
  };

  if (prompt.length >= backend.contextLength) {
    stopReason = 'context-full';
  } else if (opts.signal?.aborted) {
    stopReason = 'aborted';
  } else {
    let next = await evalNext(pending);
    tFirst = now();
    while (true) {
      if (opts.signal?.aborted) { stopReason = 'aborted'; break; }
      if (opts.isEog(next)) { stopReason = 'eos'; break; }
      tokens.push(next);
      take(decode(next));
      const hit = firstStop(text, stops, emitted);
      if (hit >= 0) { text = text.slice(0, hit); stopReason = 'stop-string'; break; }
      emit(text.length - pendingStopPrefix(text, stops));
      if (answerTokens >= opts.maxTokens) { stopReason = 'max-tokens'; break; }
      let run = [next];
      if (reasoning && reasoning.splitter.inReasoning && reasoningTokens >= reasoning.maxTokens) {
        // The reasoning's budget is spent: close it ourselves, and the answer begins.
        run = [next, ...reasoning.closeTokens];
        for (const t of reasoning.closeTokens) {
          tokens.push(t);
          take(decode(t));
        }
      }
      if (backend.history.length + run.length >= backend.contextLength) { stopReason = 'context-full'; break; }
      next = await evalNext(run);
      decodeEvals++;
    }
  }
  if (stopReason !== 'stop-string') {
    take(opts.decoder.flush(), false);
    answerTokens += undecided;
    if (reasoning) {
      for (const p of reasoning.splitter.flush()) {
        if (p.part === 'answer') text += p.text;
        else opts.onText?.(p.text, 'reasoning');
      }
    }
    const hit = firstStop(text, stops, emitted);
    if (hit >= 0) { text = text.slice(0, hit); stopReason = 'stop-string'; }
  }
  emit(text.length);
  const tEnd = now();
  return {
    tokens,
    text,
    ...(reasoning?.splitter.hadReasoning ? { reasoning: reasoning.splitter.reasoning } : {}),
    reasoningTokens,
    stopReason,
    timings: {
      promptTokens: prompt.length,
      prefilledTokens: pending.length,
      generatedTokens: tokens.length,
      timeToFirstTokenMs: tFirst - t0,
      prefillTokensPerSecond: tFirst > t0 ? pending.length / ((tFirst - t0) / 1000) : 0,
      decodeTokensPerSecond: decodeEvals > 0 && tEnd > tFirst ? decodeEvals / ((tEnd - tFirst) / 1000) : 0,
    },
  };
}

/** Index of the earliest stop string that starts at or after `from` minus its length. */
function firstStop(text: string, stops: readonly string[], from: number): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s, Math.max(0, from - s.length));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
