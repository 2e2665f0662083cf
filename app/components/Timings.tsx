// Time to first token and prefill/decode speed of the last generation (GenerateResult.timings).
import { Show } from 'solid-js';
import type { GenerateResult } from '../../engine/api.ts';

export function Timings(props: { result?: GenerateResult }) {
  return (
    <Show when={props.result}>
      {(r) => (
        <p class="timings" data-testid="timings">
          First token {r().timings.timeToFirstTokenMs.toFixed(0)} ms · prefill {r().timings.prefillTokensPerSecond.toFixed(1)} tok/s
          ({r().timings.promptTokens} tokens) · decode {r().timings.decodeTokensPerSecond.toFixed(1)} tok/s ({r().timings.generatedTokens} tokens){r().reasoningTokens ? ` · ${r().reasoningTokens} of them reasoning` : ''}
          {r().stopReason === 'aborted' ? ' · stopped' : r().stopReason === 'context-full' ? ' · context full' : ''}
        </p>
      )}
    </Show>
  );
}
