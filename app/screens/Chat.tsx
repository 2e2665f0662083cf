// Chat: multi-turn with the model's own template (the engine renders `messages`), the system
// prompt from settings, reasoning folded into <details>, regenerate and stop.
import { createSignal, For, Show } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import { Markdown } from '../components/Markdown.tsx';
import { ModelBar } from '../components/ModelBar.tsx';
import { Timings } from '../components/Timings.tsx';
import { createGeneration } from '../state/generation.ts';
import { models } from '../state/models.ts';
import { settings } from '../state/settings.ts';
import { chatMessages, splitThinking, turnsBeforeLastAnswer, type Turn } from '../tasks/chat.ts';
import { samplingOptions } from '../tasks/sampling.ts';

function AssistantText(props: { text: string; streaming: boolean }) {
  const split = () => splitThinking(props.text);
  return (
    <>
      <Show when={split().thinking !== undefined}>
        <details class="thinking" data-testid="thinking">
          <summary>{split().thinkingOpen ? 'Thinking…' : 'Reasoning'}</summary>
          <p class="plain">{split().thinking}</p>
        </details>
      </Show>
      <Markdown text={split().answer} streaming={props.streaming} />
    </>
  );
}

export default function Chat() {
  const [turns, setTurns] = createStore<Turn[]>([]);
  const [draft, setDraft] = createSignal('');
  const gen = createGeneration();

  async function reply(history: Turn[]) {
    gen.begin();
    setTurns([...history, { role: 'assistant', content: '' }]);
    const index = history.length;
    const r = await gen.run(
      { messages: chatMessages(settings.systemPrompt, history), maxTokens: settings.maxTokens, sampling: samplingOptions(settings) },
      (delta) => setTurns(index, produce((t) => { (t as { content: string }).content += delta; })),
    );
    if (!r && !gen.text()) setTurns(produce((ts) => { ts.splice(index, 1); }));
  }

  function send() {
    const text = draft().trim();
    if (!text || gen.running() || !models.loaded) return;
    setDraft('');
    void reply([...turns, { role: 'user', content: text }]);
  }

  function regenerate() {
    const history = turnsBeforeLastAnswer(turns);
    if (history && !gen.running()) void reply(history);
  }

  return (
    <section aria-labelledby="chat-title" class="screen chat">
      <h2 id="chat-title">Chat</h2>
      <ModelBar />
      <ol class="turns" aria-label="Conversation">
        <For each={turns}>
          {(t, i) => {
            // Only the answer being written is a live region, announced once it is complete.
            const writing = () => t.role === 'assistant' && i() === turns.length - 1;
            return (
            <li class={`turn ${t.role}`} data-testid={`turn-${t.role}`} aria-live={writing() ? 'polite' : undefined} aria-busy={writing() && gen.running()}>
              <span class="who">{t.role === 'user' ? 'You' : 'Assistant'}</span>
              <Show when={t.role === 'assistant'} fallback={<p class="plain">{t.content}</p>}>
                <AssistantText text={t.content} streaming={writing() && gen.running()} />
              </Show>
            </li>
            );
          }}
        </For>
      </ol>
      <Show when={gen.error()}><p role="alert" class="error" data-testid="chat-error">{gen.error()}</p></Show>
      <form class="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <label for="chat-input">Message</label>
        <textarea id="chat-input" class="short" value={draft()} onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); } }}
          placeholder="Ask something (Enter sends, Shift+Enter for a new line)" />
        <div class="row">
          <button type="submit" disabled={!models.loaded || !draft().trim() || gen.running()}>Send</button>
          <button type="button" class="secondary" onClick={() => void gen.stop()} disabled={!gen.running()}>Stop</button>
          <button type="button" class="secondary" onClick={regenerate} disabled={gen.running() || turns.at(-1)?.role !== 'assistant'}>Regenerate</button>
          <button type="button" class="secondary" onClick={() => setTurns([])} disabled={gen.running() || turns.length === 0}>Clear</button>
        </div>
      </form>
      <Timings result={gen.result()} />
    </section>
  );
}
