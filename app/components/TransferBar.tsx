// A download or import in progress: bar, bytes, speed, time left.
import { Show } from 'solid-js';
import type { TransferProgress } from '../../engine/api.ts';
import { formatBytes, formatDuration } from '../util/format.ts';

const PHASE: Record<TransferProgress['phase'], string> = { header: 'Checking', download: 'Downloading', import: 'Importing', verify: 'Verifying' };

export function TransferBar(props: { name: string; progress?: TransferProgress }) {
  return (
    <div class="transfer" data-testid="transfer">
      <Show when={props.progress} fallback={<span>Starting {props.name}…</span>}>
        {(p) => (
          <>
            <progress max={p().totalBytes || 1} value={p().bytes} aria-label={`${props.name} progress`} />
            <span>
              {PHASE[p().phase]} {formatBytes(p().bytes)} of {formatBytes(p().totalBytes)}
              <Show when={p().phase === 'download' && p().bytesPerSecond > 0}> · {formatBytes(p().bytesPerSecond)}/s · {formatDuration(p().secondsLeft)} left</Show>
            </span>
          </>
        )}
      </Show>
    </div>
  );
}
