// Agenda: an email thread or notes → a meeting agenda the user can edit and export (.md, .ics).
// The request carries AGENDA_SCHEMA for constrained decoding; whatever comes back is parsed
// tolerantly, and output that is not an agenda is shown as text beside an editable draft.
import { createSignal, Index, Show } from 'solid-js';
import { produce } from 'solid-js/store';
import { ModelBar } from '../components/ModelBar.tsx';
import { Reasoning } from '../components/Reasoning.tsx';
import { ThinkFirst } from '../components/ThinkFirst.tsx';
import { Timings } from '../components/Timings.tsx';
import { agendaGen as gen, agendaWork, clearAgenda, runAgenda } from '../state/agenda.ts';
import { models } from '../state/models.ts';
import { agendaToIcs, agendaToMarkdown } from '../tasks/agenda.ts';
import type { Agenda } from '../tasks/agenda-schema.ts';
import { errorMessage } from '../util/format.ts';
import { fileStem, saveTextFile } from '../util/save-file.ts';

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

export default function AgendaScreen() {
  const w = agendaWork.state;
  const setWork = agendaWork.set;
  const source = () => w.source;
  const fallback = () => w.fallback;
  const cut = () => w.cut;
  const a = () => w.agenda!;
  const [exportError, setExportError] = createSignal<string>();
  function exportIcs() {
    setExportError(undefined);
    try {
      saveTextFile(`${fileStem(a().title, 'agenda')}.ics`, agendaToIcs(a()), 'text/calendar');
    } catch (e) {
      setExportError(`${errorMessage(e)}; check the date and time fields`);
    }
  }
  const set = <K extends keyof Agenda>(key: K, value: Agenda[K]) => setWork('agenda', key as never, value as never);
  const setItem = (i: number, key: 'title' | 'owner' | 'minutes' | 'notes', value: string | number | undefined) =>
    setWork('agenda', 'items', i, key as never, value as never);
  const editItems = (edit: (items: Agenda['items']) => void) => setWork('agenda', 'items', produce(edit));
  /** Moves item `i` by `by` places; focus follows the item so the keyboard can keep moving it. */
  function move(i: number, by: -1 | 1) {
    const j = i + by;
    if (j < 0 || j >= a().items.length) return;
    editItems((xs) => { const [it] = xs.splice(i, 1); xs.splice(j, 0, it); });
    const label = `Move item ${j + 1} ${by < 0 ? 'up' : 'down'}`;
    queueMicrotask(() => {
      const target = document.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);
      (target && !target.disabled ? target : document.querySelector<HTMLButtonElement>(`button[aria-label="Move item ${j + 1} ${by < 0 ? 'down' : 'up'}"]`))?.focus();
    });
  }
  /** An optional field: empty is left out (the text is kept as typed, spaces included). */
  const opt = (v: string) => (v.trim() ? v : undefined);

  return (
    <section aria-labelledby="agenda-title" class="screen">
      <h2 id="agenda-title">Agenda</h2>
      <ModelBar />
      <label for="agenda-source">Email thread or meeting notes</label>
      <textarea id="agenda-source" value={source()} onInput={(e) => setWork({ source: e.currentTarget.value })}
        placeholder="Paste an email thread or your notes; the agenda uses only what they say" />
      <div class="row">
        <ThinkFirst id="agenda-think" checked={w.think} onChange={(think) => setWork({ think })} />
      </div>
      <div class="row">
        <button type="button" onClick={() => void runAgenda()} disabled={!models.loaded || !source().trim() || gen.running()}>Draft agenda</button>
        <button type="button" class="secondary" onClick={() => void gen.stop()} disabled={!gen.running()}>Stop</button>
        <button type="button" class="secondary" disabled={gen.running() || (!w.source && !w.agenda)}
          onClick={() => { if (confirm('Clear the notes and the agenda from this device?')) void clearAgenda(); }}>Clear</button>
      </div>
      <Reasoning text={w.reasoning} tokens={gen.running() ? gen.reasoningTokens() : w.result?.reasoningTokens} running={gen.running()} />
      <Show when={gen.running()}>
        <p aria-live="polite">Drafting…</p>
        <pre class="raw" data-testid="agenda-stream">{w.stream}</pre>
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
      <Show when={w.agenda}>
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
                    <input type="text" aria-label={`Item ${i + 1} title`} value={it().title} onInput={(e) => setItem(i, 'title', e.currentTarget.value)} />
                    <input type="text" aria-label={`Item ${i + 1} owner`} placeholder="Owner" value={it().owner ?? ''} onInput={(e) => setItem(i, 'owner', opt(e.currentTarget.value))} />
                    <input type="number" min="1" aria-label={`Item ${i + 1} minutes`} placeholder="min" value={it().minutes ?? ''} onInput={(e) => setItem(i, 'minutes', Number(e.currentTarget.value) || undefined)} />
                    <div class="item-actions">
                      <button type="button" class="secondary" aria-label={`Move item ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
                      <button type="button" class="secondary" aria-label={`Move item ${i + 1} down`} disabled={i === a().items.length - 1} onClick={() => move(i, 1)}>↓</button>
                      <button type="button" class="secondary" aria-label={`Remove item ${i + 1}`} onClick={() => editItems((xs) => { xs.splice(i, 1); })}>Remove</button>
                    </div>
                    <textarea class="short" aria-label={`Item ${i + 1} notes`} placeholder="Notes" value={it().notes ?? ''} onInput={(e) => setItem(i, 'notes', opt(e.currentTarget.value))} />
                  </li>
                )}
              </Index>
            </ol>
            <button type="button" class="secondary" onClick={() => editItems((xs) => { xs.push({ title: 'New item' }); })}>Add item</button>
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
      <Timings result={w.result} />
    </section>
  );
}
