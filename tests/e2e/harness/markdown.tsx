// Test-only page: the app's Markdown component with the app's styles, fed through
// `window.markdownHarness` (set the text, append to it as a stream would, say when streaming
// ends), so that tests can render any model output without a model.
import { createSignal } from 'solid-js';
import { render } from 'solid-js/web';
import { Markdown } from '../../../app/components/Markdown.tsx';
import '../../../app/styles.css';

const [text, setText] = createSignal('');
const [streaming, setStreaming] = createSignal<boolean>();

declare global {
  interface Window {
    markdownHarness: { setText(t: string): void; append(d: string): void; setStreaming(s: boolean | undefined): void };
  }
}
window.markdownHarness = { setText, append: (d) => setText((t) => t + d), setStreaming };

render(() => (
  <div class="shell">
    <main class="screen">
      <h2>Model output</h2>
      <article class="output" aria-label="Output"><Markdown text={text()} streaming={streaming()} testId="md" /></article>
    </main>
  </div>
), document.getElementById('root')!);
