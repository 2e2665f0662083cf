// Agenda: an email thread or notes → a meeting agenda the user can edit and export (.md, .ics).
// The request carries AGENDA_SCHEMA for constrained decoding; whatever comes back is parsed
// tolerantly, and output that is not an agenda is shown as text beside an editable draft.
import { createSignal, Index, Show } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import { ModelBar } from '../components/ModelBar.tsx';
import { Timings } from '../components/Timings.tsx';
import { createGeneration } from '../state/generation.ts';
import { models } from '../state/models.ts';
import { settings } from '../state/settings.ts';
import { AGENDA_SCHEMA, agendaMessages, agendaToIcs, agendaToMarkdown, parseAgenda } from '../tasks/agenda.ts';
import { draftFromSource } from '../tasks/agenda-draft.ts';
import type { Agenda } from '../tasks/agenda-schema.ts';
import { samplingOptions, tokenBudget } from '../tasks/sampling.ts';
import { errorMessage } from '../util/format.ts';
import { fileStem, saveTextFile } from '../util/save-file.ts';

const AGENDA_MAX_TOKENS = 900;

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

export default function AgendaScreen() {
  const [source, setSource] = createSignal('');
  const [agenda, setAgenda] = createStore<{ value?: Agenda }>({});
  const [fallback, setFallback] = createSignal<{ text: string; reason: string }>();
  const [cut, setCut] = createSignal(false);
  const gen = createGeneration();

  async function draft() {
    if (!models.loaded || !source().trim()) return;
    gen.begin();
    setFallback(undefined);
    setCut(false);
    setAgenda('value', undefined);
    const r = await gen.run({
      messages: agendaMessages(source()),
      maxTokens: tokenBudget(AGENDA_MAX_TOKENS, settings),
      sampling: { ...samplingOptions(settings), temperature: Math.min(settings.temperature, 0.3) },
      schema: AGENDA_SCHEMA,
    });
    if (!r) return;
    setCut(r.closedAtLimit === true);
    const parsed = parseAgenda(r.text);
    if (parsed.ok) setAgenda('value', reconcile(parsed.agenda));
    else {
      setFallback({ text: parsed.text, reason: parsed.reason });
      setAgenda('value', draftFromSource(source()));
    }
  }

  const a = () => agenda.value!;
  const [exportError, setExportError] = createSignal<string>();
  function exportIcs() {
    setExportError(undefined);
    try {
      saveTextFile(`${fileStem(a().title, 'agenda')}.ics`, agendaToIcs(a()), 'text/calendar');
    } catch (e) {
      setExportError(`${errorMessage(e)}; check the date and time fields`);
    }
  }
  const set = <K extends keyof Agenda>(key: K, value: Agenda[K]) => setAgenda('value', key, value);
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);

  return (
    <section aria-labelledby="agenda-title" class="screen">
      <h2 id="agenda-title">Agenda</h2>
      <ModelBar />
      <label for="agenda-source">Email thread or meeting notes</label>
      <textarea id="agenda-source" value={source()} onInput={(e) => setSource(e.currentTarget.value)}
        placeholder="Paste an email thread or your notes; the agenda uses only what they say" />
      <div class="row">
        <button type="button" onClick={() => void draft()} disabled={!models.loaded || !source().trim() || gen.running()}>Draft agenda</button>
        <button type="button" class="secondary" onClick={() => void gen.stop()} disabled={!gen.running()}>Stop</button>
      </div>
      <Show when={gen.running()}>
        <p aria-live="polite">Drafting…</p>
        <pre class="raw" data-testid="agenda-stream">{gen.text()}</pre>
      </Show>
      <Show when={gen.error()}><p role="alert" class="error" data-testid="agenda-error">{gen.error()}</p></Show>
      <Show when={fallback()}>
        {(f) => (
          <div class="notice" data-testid="agenda-fallback">
            <p>The model's answer was not a usable agenda ({f().reason}). Its text is below; the agenda underneath is a draft from the thread's headers for you to fill in.</p>
            <details><summary>Model output</summary><pre class="raw">{f().text}</pre></details>
          </div>
        )}
      </Show>
      <Show when={cut()}>
        <p class="notice" data-testid="agenda-cut">The token limit came before the model had finished, so the agenda was closed where it stood: some parts may be missing or empty. Raise Max tokens in Settings for a fuller draft.</p>
      </Show>
      <Show when={agenda.value}>
        <form class="agenda" data-testid="agenda-view" aria-label="Agenda" onSubmit={(e) => e.preventDefault()}>
          <label for="ag-title">Title</label>
          <input id="ag-title" type="text" class="title-input" value={a().title} onInput={(e) => set('title', e.currentTarget.value)} />
          <label for="ag-goal">Goal</label>
          <input id="ag-goal" type="text" value={a().goal ?? ''} onInput={(e) => set('goal', opt(e.currentTarget.value))} />
          <div class="grid">
            <div><label for="ag-date">Date</label><input id="ag-date" type="date" value={a().date ?? ''} onInput={(e) => set('date', opt(e.currentTarget.value))} /></div>
            <div><label for="ag-time">Time</label><input id="ag-time" type="time" value={a().time ?? ''} onInput={(e) => set('time', opt(e.currentTarget.value))} /></div>
            <div><label for="ag-duration">Minutes</label><input id="ag-duration" type="number" min="1" value={a().durationMinutes ?? ''} onInput={(e) => set('durationMinutes', Number(e.currentTarget.value) || undefined)} /></div>
            <div><label for="ag-location">Where</label><input id="ag-location" type="text" value={a().location ?? ''} onInput={(e) => set('location', opt(e.currentTarget.value))} /></div>
          </div>
          <label for="ag-attendees">Attendees (comma separated)</label>
          <input id="ag-attendees" type="text" value={a().attendees.join(', ')} onChange={(e) => set('attendees', e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean))} />
          <fieldset>
            <legend>Items</legend>
            <ol class="items">
              <Index each={a().items}>
                {(it, i) => (
                  <li class="item" data-testid="agenda-item">
                    <input type="text" aria-label={`Item ${i + 1} title`} value={it().title} onInput={(e) => setAgenda('value', 'items', i, 'title', e.currentTarget.value)} />
                    <input type="text" aria-label={`Item ${i + 1} owner`} placeholder="Owner" value={it().owner ?? ''} onInput={(e) => setAgenda('value', 'items', i, 'owner', opt(e.currentTarget.value))} />
                    <input type="number" min="1" aria-label={`Item ${i + 1} minutes`} placeholder="min" value={it().minutes ?? ''} onInput={(e) => setAgenda('value', 'items', i, 'minutes', Number(e.currentTarget.value) || undefined)} />
                    <button type="button" class="secondary" aria-label={`Remove item ${i + 1}`} onClick={() => setAgenda('value', 'items', produce((xs) => { xs.splice(i, 1); }))}>Remove</button>
                  </li>
                )}
              </Index>
            </ol>
            <button type="button" class="secondary" onClick={() => setAgenda('value', 'items', produce((xs) => { xs.push({ title: 'New item' }); }))}>Add item</button>
          </fieldset>
          <label for="ag-prereads">Pre-reads (one per line)</label>
          <textarea id="ag-prereads" class="short" value={a().preReads.join('\n')} onChange={(e) => set('preReads', lines(e.currentTarget.value))} />
          <label for="ag-decisions">Decisions needed (one per line)</label>
          <textarea id="ag-decisions" class="short" value={a().decisionsNeeded.join('\n')} onChange={(e) => set('decisionsNeeded', lines(e.currentTarget.value))} />
          <div class="row">
            <button type="button" onClick={() => saveTextFile(`${fileStem(a().title, 'agenda')}.md`, agendaToMarkdown(a()), 'text/markdown')}>Export .md</button>
            <button type="button" onClick={exportIcs}>Export .ics</button>
          </div>
          <Show when={exportError()}><p role="alert" class="error">{exportError()}</p></Show>
        </form>
      </Show>
      <Timings result={gen.result()} />
    </section>
  );
}
