// A reasoning model's thinking, folded away under "Reasoning" with its token count; shown as
// plain text (never Markdown or HTML), never part of the answer, Copy or Export.
import { Show } from 'solid-js';

export function Reasoning(props: { text: string; tokens?: number; running?: boolean; testId?: string }) {
  const label = () => `${props.running ? 'Thinking…' : 'Reasoning'}${props.tokens ? ` · ${props.tokens.toLocaleString()} tokens` : ''}`;
  return (
    <Show when={props.text}>
      <details class="thinking" data-testid={props.testId ?? 'reasoning'}>
        <summary data-testid="reasoning-summary">{label()}</summary>
        <p class="plain">{props.text}</p>
      </details>
    </Show>
  );
}
