// The Summarize screen's work: the document, the chosen style and length, the summary and its
// reasoning, persisted (app/state/persist.ts); and the run itself, which keeps going when the
// screen is left. The engine's document plan decides one pass (a hybrid loaded again with a longer
// context when that fits) or map-reduce, its parts several at a time on sequences of their own so
// that their decoding is batched. Reasoning models are asked not to think unless "Think first" is
// on; whatever reasoning comes anyway streams apart and never enters the summary.
import { createSignal } from 'solid-js';
import type { DocumentPlan, GenerateRequest, GenerateResult } from '../../engine/api.ts';
import { samplingOptions, tokenBudget } from '../tasks/sampling.ts';
import {
  PROMPT_OVERHEAD_TOKENS, SUMMARY_MAX_TOKENS, summarizeDocument, SummaryInterrupted, type SummaryCheckpoint, type SummaryLength, type SummaryProgress, type SummaryStyle,
} from '../tasks/summarize.ts';
import { errorMessage } from '../util/format.ts';
import { engine } from './engine.ts';
import { generationFor } from './generation.ts';
import { loadModel } from './models.ts';
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
const [plan, setPlan] = createSignal<DocumentPlan>();
/** The plan the running (or last) summary follows: one pass or map-reduce, and why. */
export { plan as summarizePlan };

/** The sequence a map-reduce lane runs on: lane 0 is the screen's own. */
function laneSequence(lane: number): string {
  return lane === 0 ? summarizeGen.sequence : `${summarizeGen.sequence}/part-lane-${lane + 1}`;
}
let lanesInUse = 1;

/** Tokens one pass over `text` needs at `length`: the document, the prompt around it and the answer. */
export async function onePassTokens(text: string, length: SummaryLength): Promise<number> {
  return (await engine().countTokens(text)) + PROMPT_OVERHEAD_TOKENS + SUMMARY_MAX_TOKENS[length];
}

/** Stops the summary: every lane of its map step, and whatever runs on the screen's sequence. */
export async function stopSummarize(): Promise<void> {
  const lanes = lanesInUse;
  await summarizeGen.stop();
  await Promise.all(Array.from({ length: lanes - 1 }, (_, i) => engine().abort(laneSequence(i + 1))));
}

/**
 * Summarizes the document as the engine's plan says (loading the model again with a longer
 * context first when a one-pass plan needs one); given a checkpoint, runs only its missing parts.
 */
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
    const chosen = await engine().planDocument(await onePassTokens(w.text, w.length));
    setPlan(chosen);
    if (chosen.mode === 'one-pass' && chosen.contextLength > contextLength) {
      const info = await loadModel(model, chosen.contextLength);
      if (!info) throw new Error(`loading the model with a ${chosen.contextLength.toLocaleString('en')}-token context failed`);
      contextLength = info.contextLength;
    }
    lanesInUse = chosen.mode === 'map-reduce' ? chosen.parallel : 1;
    await summarizeDocument(w.text, w.style, w.length, {
      contextLength,
      model,
      parallel: lanesInUse,
      countTokens: (s) => engine().countTokens(s),
      signal: controller.signal,
      onProgress: (p) => {
        setProgress(p);
        if (p.kind !== 'parts') set({ summary: '', reasoning: '' });
      },
      onToken: (d) => set('summary', (t) => t + d),
      generate: async (messages, maxTokens, onToken, lane) => {
        const request: GenerateRequest = {
          messages, maxTokens: tokenBudget(maxTokens, settings), sampling: samplingOptions(settings), thinking: w.think, maxReasoningTokens: settings.maxReasoningTokens,
        };
        // The reasoning shown is the final generation's; lanes beside it would interleave theirs.
        const r = lane === 0
          ? await gen.stream(request, (d, part) => {
            if (part === 'reasoning') set('reasoning', (t) => t + d);
            else onToken(d);
          })
          : await engine().generate({ ...request, sequence: laneSequence(lane) }, (d, part) => { if (part !== 'reasoning') onToken(d); });
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
  setPlan(undefined);
}
