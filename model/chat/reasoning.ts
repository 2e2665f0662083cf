// Reasoning models write their thinking between a pair of tags (`<think>` … `</think>` for Qwen3
// and Jamba Reasoning) before the answer. This splits generated text, as it streams, into
// reasoning and answer: tags may arrive split across tokens, and a template that opens the tag in
// the prompt itself (Jamba Reasoning, Qwen3 with thinking forced) makes generation start inside
// the reasoning. The tags are found in the model's vocabulary or its chat template.

export interface ThinkTags {
  readonly open: string;
  readonly close: string;
}

/** Tag pairs reasoning models are known to use, most common first. */
export const KNOWN_THINK_TAGS: readonly ThinkTags[] = [
  { open: '<think>', close: '</think>' },
  { open: '<thinking>', close: '</thinking>' },
  { open: '<seed:think>', close: '</seed:think>' },
  { open: '<|START_THINKING|>', close: '<|END_THINKING|>' },
  { open: '◁think▷', close: '◁/think▷' },
];

/**
 * The think tags a model uses: the first known pair whose both tags are tokens of its vocabulary
 * or both appear in its chat template; undefined for a model that does not reason in tags.
 */
export function detectThinkTags(vocab: ReadonlyMap<string, number>, templateSource: string): ThinkTags | undefined {
  return KNOWN_THINK_TAGS.find((t) => (vocab.has(t.open) && vocab.has(t.close)) || (templateSource.includes(t.open) && templateSource.includes(t.close)));
}

/** True when `prompt` leaves a reasoning block open (its last open tag comes after its last close tag). */
export function promptOpensReasoning(prompt: string, tags: ThinkTags): boolean {
  const open = prompt.lastIndexOf(tags.open);
  return open >= 0 && open > prompt.lastIndexOf(tags.close);
}

export type ReasoningPart = 'reasoning' | 'answer';

export interface SplitPiece {
  readonly part: ReasoningPart;
  readonly text: string;
}

/**
 * Streaming splitter. State: 'start' (nothing but whitespace yet; an open tag may still come),
 * 'reasoning' (inside the tags), 'answer'. An open tag counts only at the start of the output;
 * later ones, and anything after the close tag, are answer text. Whitespace right after either
 * tag is dropped, so neither part begins with the blank lines models put there.
 */
export class ReasoningSplitter {
  private state: 'start' | 'reasoning' | 'answer';
  /** Text received but not yet given out: it may be the beginning of a tag. */
  private held = '';
  /** At the start of a part: leading whitespace is still being dropped. */
  private trimLeading = true;
  reasoning = '';
  answer = '';
  /** Whether the output had a reasoning block (opened in the prompt or by the model). */
  hadReasoning: boolean;

  constructor(readonly tags: ThinkTags, opts: { startInReasoning?: boolean } = {}) {
    this.state = opts.startInReasoning ? 'reasoning' : 'start';
    this.hadReasoning = !!opts.startInReasoning;
  }

  /** The part the next text will belong to, as far as is known now ('start' reads as answer). */
  get part(): ReasoningPart {
    return this.state === 'reasoning' ? 'reasoning' : 'answer';
  }

  /** Inside the reasoning: it has opened and not yet closed. */
  get inReasoning(): boolean {
    return this.state === 'reasoning';
  }

  /** Nothing but whitespace or the beginning of an open tag yet: the part is still undecided. */
  get undecided(): boolean {
    return this.state === 'start';
  }

  push(text: string): SplitPiece[] {
    const out: SplitPiece[] = [];
    this.held += text;
    for (;;) {
      if (this.state === 'start') {
        const lead = this.held.length - this.held.trimStart().length;
        const rest = this.held.slice(lead);
        if (rest.startsWith(this.tags.open)) {
          this.held = rest.slice(this.tags.open.length);
          this.state = 'reasoning';
          this.hadReasoning = true;
          this.trimLeading = true;
          continue;
        }
        if (rest === '' || this.tags.open.startsWith(rest)) return out;
        this.state = 'answer';
        this.trimLeading = true;
        continue;
      }
      if (this.state === 'reasoning') {
        const close = this.held.indexOf(this.tags.close);
        if (close >= 0) {
          this.emit(out, 'reasoning', this.held.slice(0, close));
          this.held = this.held.slice(close + this.tags.close.length);
          this.state = 'answer';
          this.trimLeading = true;
          continue;
        }
        const keep = partialSuffix(this.held, this.tags.close);
        this.emit(out, 'reasoning', this.held.slice(0, this.held.length - keep));
        this.held = this.held.slice(this.held.length - keep);
        return out;
      }
      this.emit(out, 'answer', this.held);
      this.held = '';
      return out;
    }
  }

  /** The end of the output: whatever was held back is given out in its current part. */
  flush(): SplitPiece[] {
    const out: SplitPiece[] = [];
    const rest = this.held;
    this.held = '';
    if (this.state === 'reasoning') this.emit(out, 'reasoning', rest);
    else {
      if (this.state === 'start') this.trimLeading = true;
      this.emit(out, 'answer', rest);
    }
    return out;
  }

  private emit(out: SplitPiece[], part: ReasoningPart, text: string): void {
    if (this.trimLeading) {
      text = text.trimStart();
      if (text === '') return;
      this.trimLeading = false;
    }
    if (text === '') return;
    if (part === 'reasoning') this.reasoning += text;
    else this.answer += text;
    const last = out.at(-1);
    if (last && last.part === part) out[out.length - 1] = { part, text: last.text + text };
    else out.push({ part, text });
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, text.length); k > 0; k--) {
    if (text.endsWith(tag.slice(0, k))) return k;
  }
  return 0;
}
