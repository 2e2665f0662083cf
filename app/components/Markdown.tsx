// Model output shown as sanitized Markdown (see app/markdown). While the text streams in it is
// re-rendered at most every ~100 ms (app/markdown/throttle.ts), and at once when `streaming`
// turns false. Text that cannot be rendered safely is shown plain with a note; any error while
// rendering shows one line saying so, with the raw text under it.
import { createEffect, createMemo, createSignal, ErrorBoundary, on, onCleanup, Show, untrack } from 'solid-js';
import { renderMarkdown, type PlainReason } from '../markdown/safe-tree.ts';
import { nextRenderDelay } from '../markdown/throttle.ts';
import { safeTreeToDom } from '../markdown/to-dom.ts';
import { oneLineError } from '../util/format.ts';

export interface MarkdownProps {
  text: string;
  /** True while the text is still being generated; when it turns false the last text is rendered at once. */
  streaming?: boolean;
  class?: string;
  testId?: string;
}

const PLAIN_NOTE: Record<PlainReason, string> = {
  'too-deep': 'Shown as plain text: the Markdown is nested too deeply to format.',
  'too-long': 'Shown as plain text: too long to format.',
};

export function Markdown(props: MarkdownProps) {
  // A new text (not the previous one grown by a stream) gets a fresh boundary: another try.
  let previous = '';
  const attempt = createMemo((n: number) => {
    const text = props.text;
    const next = text.startsWith(previous) ? n : n + 1;
    previous = text;
    return next;
  }, 1);
  return (
    <div class={`markdown ${props.class ?? ''}`} data-testid={props.testId}>
      <Show when={attempt()} keyed>{(_attempt) => (
        <ErrorBoundary fallback={(error) => <RawText text={props.text} error={error} />}>
          <Rendered text={props.text} streaming={props.streaming} />
        </ErrorBoundary>
      )}</Show>
    </div>
  );
}

function Rendered(props: { text: string; streaming?: boolean }) {
  let host!: HTMLDivElement;
  const [shown, setShown] = createSignal<string>();
  const [plain, setPlain] = createSignal<PlainReason>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastEnd: number | undefined;
  let lastCost = 0;

  // Which text to render and when: a pending render always takes the newest text.
  createEffect(() => {
    const text = props.text;
    if (props.streaming === false) {
      clearTimeout(timer);
      timer = undefined;
      setShown(text);
      return;
    }
    if (timer !== undefined) return;
    const delay = nextRenderDelay(performance.now(), lastEnd, lastCost);
    if (delay === 0) setShown(text);
    else timer = setTimeout(() => { timer = undefined; setShown(untrack(() => props.text)); }, delay);
  });
  onCleanup(() => clearTimeout(timer));

  // The render itself runs in an effect under the ErrorBoundary, so a failure reaches it.
  createEffect(on(shown, (text) => {
    if (text === undefined) return;
    const start = performance.now();
    const r = renderMarkdown(text);
    setPlain(r.plain);
    host.replaceChildren(...safeTreeToDom<Node>(r.nodes, document));
    lastEnd = performance.now();
    lastCost = lastEnd - start;
  }));

  return (
    <>
      <Show when={plain()}>{(why) => <p class="markdown-note" data-testid="markdown-plain">{PLAIN_NOTE[why()]}</p>}</Show>
      <div ref={host} class={plain() ? 'plain' : undefined} data-testid="markdown-body" />
    </>
  );
}

function RawText(props: { text: string; error: unknown }) {
  return (
    <div data-testid="markdown-error">
      <p role="alert" class="error">Could not format this text ({oneLineError(props.error)}); here it is as written:</p>
      <p class="plain">{props.text}</p>
    </div>
  );
}
