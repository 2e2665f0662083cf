// Chat: saved conversations (new, rename, delete, export .md), multi-turn with the model's own
// template (the engine renders `messages`), the system prompt from settings, reasoning folded
// away, regenerate and stop. The work (app/state/chat.ts) persists and keeps running when the
// screen is left.
import { For, Show } from 'solid-js';
import { Markdown } from '../components/Markdown.tsx';
import { ModelBar } from '../components/ModelBar.tsx';
import { Reasoning } from '../components/Reasoning.tsx';
import { Timings } from '../components/Timings.tsx';
import {
  chatGen, chatWork, clearConversation, currentConversation, deleteConversation, newConversation, regenerate, renameConversation,
  selectConversation, send,
} from '../state/chat.ts';
import { models } from '../state/models.ts';
import { conversationToMarkdown } from '../tasks/chat.ts';
import { fileStem, saveTextFile } from '../util/save-file.ts';

export default function Chat() {
  const w = chatWork.state;
  const current = currentConversation;
  const gen = () => { const c = current(); return c ? chatGen(c.id) : undefined; };
  const running = () => gen()?.running() ?? false;
  const turns = () => current()?.turns ?? [];

  return (
    <section aria-labelledby="chat-title" class="screen chat">
      <h2 id="chat-title">Chat</h2>
      <ModelBar />
      <div class="conversations" role="group" aria-label="Conversations">
        <Show when={w.conversations.length > 0}>
          <label for="chat-conversation">Saved conversations</label>
          <select id="chat-conversation" onChange={(e) => selectConversation(e.currentTarget.value)}>
            <For each={w.conversations}>
              {(c) => <option value={c.id} selected={c.id === w.currentId}>{c.title}{chatGen(c.id).running() ? ' (answering…)' : ''}</option>}
            </For>
          </select>
        </Show>
        <button type="button" class="secondary" onClick={() => newConversation()}>New conversation</button>
      </div>
      <Show when={current()}>
        {(c) => (
          <div class="row">
            <label for="chat-name">Name</label>
            <input id="chat-name" type="text" value={c().title} onChange={(e) => renameConversation(c().id, e.currentTarget.value)} />
            <button type="button" class="secondary" disabled={c().turns.length === 0}
              onClick={() => saveTextFile(`${fileStem(c().title, 'conversation')}.md`, conversationToMarkdown(c().title, c().turns), 'text/markdown')}>Export .md</button>
            <button type="button" class="secondary"
              onClick={() => { if (confirm(`Delete the conversation "${c().title}" from this device?`)) void deleteConversation(c().id); }}>Delete</button>
          </div>
        )}
      </Show>
      <Show when={current()?.dropped}>
        {(n) => (
          <p class="notice" data-testid="chat-trimmed">
            The {n()} oldest {n() === 1 ? 'message was' : 'messages were'} left out of what the model sees, so that the conversation and room for the reply{models.loaded?.reasoning ? ' (its reasoning and answer)' : ''} fit its {models.loaded?.contextLength.toLocaleString() ?? ''}-token context. They are still here.
          </p>
        )}
      </Show>
      <ol class="turns" aria-label="Conversation">
        <For each={turns()}>
          {(t, i) => {
            // Only the answer being written is a live region, announced once it is complete.
            const writing = () => t.role === 'assistant' && i() === turns().length - 1;
            return (
              <li class={`turn ${t.role}`} data-testid={`turn-${t.role}`} aria-live={writing() ? 'polite' : undefined} aria-busy={writing() && running()}>
                <span class="who">{t.role === 'user' ? 'You' : 'Assistant'}</span>
                <Show when={t.role === 'assistant'} fallback={<p class="plain">{t.content}</p>}>
                  <Reasoning text={t.reasoning ?? ''} running={writing() && running() && !t.content}
                    tokens={writing() ? (running() ? gen()?.reasoningTokens() : current()?.result?.reasoningTokens) : undefined} />
                  <Markdown text={t.content} streaming={writing() && running()} />
                </Show>
              </li>
            );
          }}
        </For>
      </ol>
      <Show when={gen()?.error()}><p role="alert" class="error" data-testid="chat-error">{gen()?.error()}</p></Show>
      <form class="composer" onSubmit={(e) => { e.preventDefault(); if (!running()) send(); }}>
        <label for="chat-input">Message</label>
        <textarea id="chat-input" class="short" value={w.draft} onInput={(e) => chatWork.set({ draft: e.currentTarget.value })}
          onKeyDown={(e) => {
            // Enter sends, unless an input method is composing (the Enter confirms its text).
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
              e.preventDefault();
              if (!running()) send();
            }
          }}
          placeholder="Ask something (Enter sends, Shift+Enter for a new line)" />
        <div class="row">
          <button type="submit" disabled={!models.loaded || !w.draft.trim() || running()}>Send</button>
          <button type="button" class="secondary" onClick={() => void gen()?.stop()} disabled={!running()}>Stop</button>
          <button type="button" class="secondary" onClick={regenerate} disabled={running() || turns().at(-1)?.role !== 'assistant'}>Regenerate</button>
          <button type="button" class="secondary" onClick={() => { const c = current(); if (c) clearConversation(c.id); }} disabled={running() || turns().length === 0}>Clear</button>
        </div>
      </form>
      <Timings result={current()?.result} />
    </section>
  );
}
