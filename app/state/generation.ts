// One generation per sequence ('summarize', 'agenda', 'chat:<conversation id>'): running flag,
// live reasoning token count, result and error. Generations live at module level, so one keeps
// running when its screen is left and the screen finds it again on return; stop() aborts only
// its own sequence. Streamed text goes to the caller (the screen's persisted work).
import { createSignal } from 'solid-js';
import type { GenerateRequest, GenerateResult, OutputPart } from '../../engine/api.ts';
import { errorMessage } from '../util/format.ts';
import { engine } from './engine.ts';

const all = new Map<string, Generation>();
const [runningCount, setRunningCount] = createSignal(0);

/** How many generations are running now, on any screen. */
export { runningCount };

export function generationFor(sequence: string): Generation {
  let g = all.get(sequence);
  if (!g) {
    g = createGeneration(sequence);
    all.set(sequence, g);
  }
  return g;
}

function createGeneration(sequence: string) {
  const [running, setRunningSignal] = createSignal(false);
  const [result, setResult] = createSignal<GenerateResult>();
  const [error, setError] = createSignal<string>();
  const [reasoningTokens, setReasoningTokens] = createSignal(0);
  let stopped = false;

  function setRunning(v: boolean) {
    if (v === running()) return;
    setRunningSignal(v);
    setRunningCount((n) => n + (v ? 1 : -1));
  }

  /** One request on this sequence, for work made of several (map-reduce): no running flag or error handling. */
  async function stream(request: GenerateRequest, onToken: (delta: string, part: OutputPart) => void): Promise<GenerateResult> {
    setReasoningTokens(0);
    const r = await engine().generate({ ...request, sequence }, (delta, part) => {
      if (part === 'reasoning') setReasoningTokens((n) => n + 1);
      onToken(delta, part ?? 'answer');
    });
    if (r.reasoningTokens !== undefined) setReasoningTokens(r.reasoningTokens);
    setResult(r);
    return r;
  }

  /** Runs one request on this sequence; resolves with the result, or undefined on error. */
  async function run(request: GenerateRequest, onToken: (delta: string, part: OutputPart) => void): Promise<GenerateResult | undefined> {
    setRunning(true);
    setError(undefined);
    try {
      return await stream(request, onToken);
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setRunning(false);
    }
  }

  return {
    sequence, running, setRunning, result, setResult, error, setError, reasoningTokens, run, stream,
    get stopped() { return stopped; },
    /** A new piece of work starts: clears the last one's result, error and counts. */
    begin() { stopped = false; setError(undefined); setResult(undefined); setReasoningTokens(0); },
    async stop() {
      stopped = true;
      await engine().abort(sequence);
    },
  };
}

export type Generation = ReturnType<typeof createGeneration>;
