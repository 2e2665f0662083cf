// One generation at a time per screen: streamed text, running flag, timings of the last result,
// error; stop() asks the engine to abort (the generation then resolves with 'aborted').
import { createSignal } from 'solid-js';
import type { GenerateRequest, GenerateResult } from '../../engine/api.ts';
import { errorMessage } from '../util/format.ts';
import { engine } from './engine.ts';

export function createGeneration() {
  const [text, setText] = createSignal('');
  const [running, setRunning] = createSignal(false);
  const [result, setResult] = createSignal<GenerateResult>();
  const [error, setError] = createSignal<string>();
  let stopped = false;

  /** Streams into text() (appending to `prefix`); resolves with the result, or undefined on error. */
  async function run(request: GenerateRequest, onToken?: (delta: string) => void): Promise<GenerateResult | undefined> {
    setRunning(true);
    setError(undefined);
    try {
      const r = await engine().generate(request, (delta) => {
        setText((t) => t + delta);
        onToken?.(delta);
      });
      setResult(r);
      return r;
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setRunning(false);
    }
  }

  return {
    text, setText, running, setRunning, result, setResult, error, setError, run,
    get stopped() { return stopped; },
    begin() { stopped = false; setText(''); setError(undefined); setResult(undefined); },
    async stop() {
      stopped = true;
      await engine().abort();
    },
  };
}

export type Generation = ReturnType<typeof createGeneration>;
