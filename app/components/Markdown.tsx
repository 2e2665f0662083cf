// Model output shown as sanitized Markdown (see app/markdown): rebuilt as the text streams in.
import { createEffect } from 'solid-js';
import { markdownToSafeTree } from '../markdown/safe-tree.ts';
import { safeTreeToDom } from '../markdown/to-dom.ts';

export function Markdown(props: { text: string; class?: string; testId?: string }) {
  let host!: HTMLDivElement;
  createEffect(() => {
    host.replaceChildren(...safeTreeToDom<Node>(markdownToSafeTree(props.text), document));
  });
  return <div ref={host} class={`markdown ${props.class ?? ''}`} data-testid={props.testId} />;
}
