// The Summarize screen's work: the document, the chosen style and length, the summary and its
// reasoning, persisted (app/state/persist.ts); and the run itself, which keeps going when the
// screen is left. Reasoning models are asked not to think unless "Think first" is on; whatever
// reasoning comes anyway streams apart and never enters the summary.
import { createSignal } from 'solid-js';
import type { GenerateResult } from '../../engine/api.ts';
import { samplingOptions, tokenBudget } from '../tasks/sampling.ts';
import {
  summarizeDocument, SummaryInterrupted, type SummaryCheckpoint, type SummaryLength, type SummaryProgress, type SummaryStyle,
} from '../tasks/summarize.ts';
import { errorMessage } from '../util/format.ts';
import { engine } from './engine.ts';
import { generationFor } from './generation.ts';
import { persistedStore } from './persist.ts';
import { settings } from './settings.ts';

export interface SummarizeWork {
  text: string;
  docName?: string;
  style: SummaryStyle;
  length: SummaryLength;
  /** Let a reasoning model think before it summarizes. */
  think: boolean;
  summary: string;
  reasoning: string;
  result?: GenerateResult;
  /** Parts summarized before a failure or Stop, for "Resume from part k" (kept across reloads too). */
  checkpoint?: SummaryCheckpoint;
}

export const summarizeWork = persistedStore<SummarizeWork>('summarize', () => ({
  text: '', style: 'key-points', length: 'medium', think: false, summary: '', reasoning: '',
}));

export const summarizeGen = generationFor('summarize');

const [progress, setProgress] = createSignal<SummaryProgress>();
export { progress as summarizeProgress };

/** Summarizes the document; given a checkpoint, resumes at its first part not yet summarized. */
export async function runSummarize(contextLength: number, model: string, resume?: SummaryCheckpoint): Promise<void> {
  const { state: w, set } = summarizeWork;
  const gen = summarizeGen;
  if (!w.text.trim() || gen.running()) return;
  gen.begin();
  setProgress(undefined);
  set({ summary: '', reasoning: '', result: undefined });
  gen.setRunning(true);
  const controller = new AbortController();
  try {
    await summarizeDocument(w.text, w.style, w.length, {
      contextLength,
      model,
      countTokens: (s) => engine().countTokens(s),
      signal: controller.signal,
      onProgress: (p) => {
        setProgress(p);
        set({ reasoning: '' });
        if (p.kind !== 'part') set({ summary: '' });
      },
      onToken: (d) => set('summary', (t) => t + d),
      generate: async (messages, maxTokens, onToken) => {
        const r = await gen.stream({
          messages, maxTokens: tokenBudget(maxTokens, settings), sampling: samplingOptions(settings), thinking: w.think, maxReasoningTokens: settings.maxReasoningTokens,
        }, (d, part) => {
          if (part === 'reasoning') set('reasoning', (t) => t + d);
          else onToken(d);
        });
        set({ result: r });
        if (r.stopReason === 'aborted' || gen.stopped) controller.abort();
        return r.text;
      },
    }, resume);
    set({ checkpoint: undefined });
  } catch (e) {
    set({ checkpoint: e instanceof SummaryInterrupted ? e.checkpoint : undefined });
    if (!controller.signal.aborted) gen.setError(errorMessage(e));
  } finally {
    gen.setRunning(false);
  }
}

/** Forgets the document and the summary (the style and length stay as chosen). */
export async function clearSummarize(): Promise<void> {
  const { style, length, think } = summarizeWork.state;
  await summarizeWork.clear();
  summarizeWork.set({ style, length, think });
  summarizeGen.begin();
  setProgress(undefined);
}
