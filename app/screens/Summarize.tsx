// Summarize: paste text or open/drop a file; style and length; token count against the
// context, and the engine's plan for it (one pass, or map-reduce with several parts at once) with
// its reason; progress per part for long documents; streamed output; stop, copy, export.
// The work (app/state/summarize.ts) outlives the screen: it persists and keeps running.
import { createEffect, createSignal, For, on, Show } from 'solid-js';
import { Markdown } from '../components/Markdown.tsx';
import { ModelBar } from '../components/ModelBar.tsx';
import { Reasoning } from '../components/Reasoning.tsx';
import { ThinkFirst } from '../components/ThinkFirst.tsx';
import { Timings } from '../components/Timings.tsx';
import { browserPdfLib } from '../documents/pdf-browser.ts';
import { ACCEPTED_FILES, extractDocument } from '../documents/extract.ts';
import { engine } from '../state/engine.ts';
import { incoming, takeIncoming } from '../state/incoming.ts';
import { models } from '../state/models.ts';
import type { DocumentPlan } from '../../engine/api.ts';
import {
  clearSummarize, onePassTokens, runSummarize, stopSummarize, summarizeGen as gen, summarizePlan, summarizeProgress as progress, summarizeWork,
} from '../state/summarize.ts';
import {
  resumeLabel, resumePart, SUMMARY_LENGTHS, SUMMARY_STYLES, type PartProgress, type SummaryCheckpoint, type SummaryLength, type SummaryStyle,
} from '../tasks/summarize.ts';
import { errorMessage } from '../util/format.ts';
import { fileStem, saveTextFile } from '../util/save-file.ts';

export default function Summarize() {
  const w = summarizeWork.state;
  const text = () => w.text;
  const setText = (t: string) => summarizeWork.set({ text: t });
  const docName = () => w.docName;
  const setDocName = (n: string | undefined) => summarizeWork.set({ docName: n });
  const style = () => w.style;
  const length = () => w.length;
  const [docError, setDocError] = createSignal<string>();
  const [reading, setReading] = createSignal(false);
  const [tokens, setTokens] = createSignal<number>();
  const [docPlan, setDocPlan] = createSignal<DocumentPlan>();
  const [copied, setCopied] = createSignal(false);
  // Parts summarized before a failure or Stop, for "Resume from part k".
  const checkpoint = () => w.checkpoint;
  const resumeAt = () => resumePart(checkpoint(), text(), models.loaded?.contextLength, models.loaded?.id);

  async function openFile(file: File | undefined) {
    if (!file) return;
    setDocError(undefined);
    setReading(true);
    try {
      const doc = await extractDocument(file, { pdf: browserPdfLib });
      setText(doc.text);
      setDocName(doc.name);
    } catch (e) {
      setDocError(errorMessage(e));
    } finally {
      setReading(false);
    }
  }

  // A document opened with the installed app or shared to it (app/state/incoming.ts) becomes the
  // document here, taken once, after the stored work was read back (which would overwrite it).
  createEffect(on([incoming, summarizeWork.loaded], ([doc, loaded]) => {
    if (!doc || !loaded) return;
    takeIncoming();
    if (doc.file) void openFile(doc.file);
    else if (doc.text) {
      setText(doc.text);
      setDocName(doc.title ?? 'Shared text');
    }
  }));

  // Token count of the document and the engine's plan for it, once a model is loaded (debounced while typing).
  let countTimer: ReturnType<typeof setTimeout> | undefined;
  createEffect(on([text, length, () => models.loaded], ([t, len, loaded]) => {
    clearTimeout(countTimer);
    setTokens(undefined);
    setDocPlan(undefined);
    if (!loaded || !t.trim()) return;
    countTimer = setTimeout(() => {
      engine().countTokens(t).then(setTokens, () => setTokens(undefined));
      onePassTokens(t, len).then((n) => engine().planDocument(n)).then(setDocPlan, () => setDocPlan(undefined));
    }, 300);
  }));
  const planText = (p: DocumentPlan) => (p.mode === 'one-pass' ? `in one pass: ${p.reason}` : `in parts: ${p.reason}`);

  async function summarize(resume?: SummaryCheckpoint) {
    const loaded = models.loaded;
    if (!loaded) return;
    setCopied(false);
    await runSummarize(loaded.contextLength, loaded.id, resume);
  }

  async function copy() {
    await navigator.clipboard.writeText(w.summary);
    setCopied(true);
  }

  const progressText = () => {
    const p = progress();
    if (!p || p.kind === 'single') return undefined;
    if (p.kind === 'combine') return `Combining the parts${p.round > 1 ? ` (round ${p.round})` : ''}`;
    const finished = p.parts.filter((s) => s.state === 'done' || s.state === 'kept').length;
    return `Summarizing ${p.parts.length} parts, ${p.parallel} at a time: ${finished} of ${p.parts.length} done`;
  };
  const partText = (s: PartProgress) => ({
    kept: 'kept from before', waiting: 'waiting', writing: s.chars > 0 ? `writing (${s.chars.toLocaleString('en')} characters)` : 'reading the part', done: 'done',
  })[s.state];
  const parts = () => { const p = progress(); return p?.kind === 'parts' ? p.parts : []; };

  return (
    <section aria-labelledby="summarize-title" class="screen">
      <h2 id="summarize-title">Summarize</h2>
      <ModelBar />
      <div
        class="drop"
        onDragOver={(e) => { e.preventDefault(); }}
        onDrop={(e) => { e.preventDefault(); void openFile(e.dataTransfer?.files[0]); }}
      >
        <label for="doc-text">Document text</label>
        <textarea id="doc-text" value={text()} onInput={(e) => { setText(e.currentTarget.value); setDocName(undefined); }}
          placeholder="Paste text here, or drop a .txt, .md, .html, .pdf or .docx file" />
        <div class="row">
          <label class="file-button">
            <span>Open a file…</span>
            <input type="file" accept={ACCEPTED_FILES} data-testid="doc-file" onChange={(e) => { void openFile(e.currentTarget.files?.[0]); e.currentTarget.value = ''; }} />
          </label>
          <span class="muted" data-testid="doc-info" aria-live="polite">
            {reading() ? 'Reading the file…' : ''}
            {docName() ? `${docName()} · ` : ''}
            {text() ? `${text().length.toLocaleString('en')} characters` : ''}
            <Show when={tokens() !== undefined && models.loaded}>
              {' · '}<span data-testid="token-count">{tokens()!.toLocaleString('en')} tokens of a {models.loaded!.contextLength.toLocaleString('en')}-token context</span>
            </Show>
            <Show when={docPlan()}>{(p) => <>{' · '}<span data-testid="doc-plan">Will summarize {planText(p())}</span></>}</Show>
          </span>
        </div>
        <Show when={docError()}><p role="alert" class="error" data-testid="doc-error">{docError()}</p></Show>
      </div>

      <div class="row options">
        <label for="sum-style">Style</label>
        <select id="sum-style" onChange={(e) => summarizeWork.set({ style: e.currentTarget.value as SummaryStyle })}>
          <For each={SUMMARY_STYLES}>{(s) => <option value={s.id} selected={s.id === style()}>{s.label}</option>}</For>
        </select>
        <label for="sum-length">Length</label>
        <select id="sum-length" onChange={(e) => summarizeWork.set({ length: e.currentTarget.value as SummaryLength })}>
          <For each={SUMMARY_LENGTHS}>{(l) => <option value={l.id} selected={l.id === length()}>{l.label}</option>}</For>
        </select>
        <ThinkFirst id="sum-think" checked={w.think} onChange={(think) => summarizeWork.set({ think })} />
      </div>
      <div class="row">
        <button type="button" onClick={() => void summarize()} disabled={!models.loaded || !text().trim() || gen.running()}>Summarize</button>
        <Show when={resumeAt()}>{(k) => (
          <button type="button" onClick={() => void summarize(checkpoint())} disabled={gen.running()}>{resumeLabel(k(), checkpoint()!.chunks.length)}</button>
        )}</Show>
        <button type="button" class="secondary" onClick={() => void stopSummarize()} disabled={!gen.running()}>Stop</button>
        <button type="button" class="secondary" onClick={() => void copy()} disabled={!w.summary || gen.running()}>{copied() ? 'Copied' : 'Copy'}</button>
        <button type="button" class="secondary" disabled={!w.summary || gen.running()}
          onClick={() => saveTextFile(`${fileStem(docName()?.replace(/\.[^.]+$/, '') ?? 'summary', 'summary')}-summary.md`, w.summary, 'text/markdown')}>Export .md</button>
        <button type="button" class="secondary" disabled={gen.running() || (!w.text && !w.summary)}
          onClick={() => { if (confirm('Clear the document and its summary from this device?')) { setCopied(false); void clearSummarize(); } }}>Clear</button>
      </div>
      <Show when={gen.running() && summarizePlan()}>{(p) => <p class="muted" data-testid="summary-plan">Summarizing {planText(p())}</p>}</Show>
      <Show when={gen.running() && progressText()}><p class="progress" data-testid="summary-progress" aria-live="polite">{progressText()}</p></Show>
      <Show when={gen.running() && parts().length > 0}>
        <ol class="parts" data-testid="part-progress" aria-label="Parts">
          <For each={parts()}>{(s, i) => <li data-state={s.state}>Part {i() + 1}: {partText(s)}</li>}</For>
        </ol>
      </Show>
      <Show when={gen.error()}><p role="alert" class="error" data-testid="summary-error">{gen.error()}</p></Show>
      <Reasoning text={w.reasoning} tokens={gen.running() ? gen.reasoningTokens() : w.result?.reasoningTokens} running={gen.running()} />
      <Show when={w.summary || gen.running()}>
        <article class="output" aria-live="polite" aria-busy={gen.running()} aria-label="Summary">
          <Markdown text={w.summary} streaming={gen.running()} testId="summary-output" />
        </article>
      </Show>
      <Timings result={w.result} />
    </section>
  );
}
