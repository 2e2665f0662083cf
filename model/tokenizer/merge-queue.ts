// The merge loop shared by the BPE and SPM tokenizers, and its binary min-heap of candidate merges
// ordered by (priority, left symbol index), stored as parallel typed arrays so that tokenizing a
// megabyte allocates a handful of buffers, not objects.

export class MergeQueue {
  private prio = new Float64Array(64);
  private left = new Int32Array(64);
  private right = new Int32Array(64);
  private size = new Int32Array(64);
  private n = 0;

  get length(): number { return this.n; }

  clear(): void { this.n = 0; }

  push(prio: number, left: number, right: number, size: number): void {
    if (this.n === this.prio.length) this.grow();
    let i = this.n++;
    // sift up
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(prio, left, this.prio[p], this.left[p])) break;
      this.move(p, i);
      i = p;
    }
    this.prio[i] = prio; this.left[i] = left; this.right[i] = right; this.size[i] = size;
  }

  /** Removes the top entry; its fields are left in `top`. */
  pop(top: { prio: number; left: number; right: number; size: number }): void {
    top.prio = this.prio[0]; top.left = this.left[0]; top.right = this.right[0]; top.size = this.size[0];
    const last = --this.n;
    if (last === 0) return;
    const prio = this.prio[last], left = this.left[last], right = this.right[last], size = this.size[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const c = r < last && this.less(this.prio[r], this.left[r], this.prio[l], this.left[l]) ? r : l;
      if (!this.less(this.prio[c], this.left[c], prio, left)) break;
      this.move(c, i);
      i = c;
    }
    this.prio[i] = prio; this.left[i] = left; this.right[i] = right; this.size[i] = size;
  }

  private less(p1: number, l1: number, p2: number, l2: number): boolean {
    return p1 < p2 || (p1 === p2 && l1 < l2);
  }

  private move(from: number, to: number): void {
    this.prio[to] = this.prio[from]; this.left[to] = this.left[from];
    this.right[to] = this.right[from]; this.size[to] = this.size[from];
  }

  private grow(): void {
    const cap = this.prio.length * 2;
    const f = new Float64Array(cap); f.set(this.prio); this.prio = f;
    for (const k of ['left', 'right', 'size'] as const) {
      const a = new Int32Array(cap); a.set(this[k]); this[k] = a;
    }
  }
}

/**
 * Greedy pair merging over a doubly linked list of symbols, as llama.cpp's BPE and SPM
 * tokenizers do it: symbol i is the slice [start[i], start[i] + len[i]) of the text, and the
 * adjacent pair of lowest priority (leftmost on ties) is merged until no pair has one. The buffers
 * are reused from call to call.
 */
export class SymbolMerger {
  start: Int32Array;
  len: Int32Array;
  prev: Int32Array;
  next: Int32Array;
  private readonly queue = new MergeQueue();
  private readonly top = { prio: 0, left: 0, right: 0, size: 0 };

  constructor(capacity: number) {
    this.start = new Int32Array(capacity); this.len = new Int32Array(capacity);
    this.prev = new Int32Array(capacity); this.next = new Int32Array(capacity);
  }

  /** Makes room for `n` symbols; start and len of each are the caller's to fill. */
  reserve(n: number): void {
    if (this.start.length >= n) return;
    const cap = n * 2;
    this.start = new Int32Array(cap); this.len = new Int32Array(cap);
    this.prev = new Int32Array(cap); this.next = new Int32Array(cap);
  }

  /**
   * Links symbols 0..n−1 (n ≥ 1) and merges them; `priority(l, r)` is that of merging adjacent
   * symbols l and r, or undefined where they may not merge. Symbol 0 then heads the list in next.
   */
  merge(n: number, priority: (l: number, r: number) => number | undefined): void {
    const { len, prev, next, queue, top } = this;
    for (let i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1; }
    next[n - 1] = -1;
    queue.clear();
    const tryAdd = (l: number, r: number) => {
      if (l < 0 || r < 0) return;
      const prio = priority(l, r);
      if (prio !== undefined) queue.push(prio, l, r, len[l] + len[r]);
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    while (queue.length > 0) {
      queue.pop(top);
      const l = top.left, r = top.right;
      // A pair is stale once either side has changed (lengths only ever grow or drop to 0).
      if (len[l] === 0 || len[r] === 0 || len[l] + len[r] !== top.size) continue;
      // The left symbol absorbs the right one, so its start stays.
      len[l] += len[r];
      len[r] = 0;
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      tryAdd(prev[l], l);
      tryAdd(l, next[l]);
    }
  }
  /** Calls `each` with the text of every symbol left after merge, in order. */
  forEachPiece(text: string, each: (piece: string) => void): void {
    for (let i = 0; i !== -1; i = this.next[i]) each(text.substr(this.start[i], this.len[i]));
  }
}
