// A binary min-heap of candidate merges ordered by (priority, left symbol index), stored as
// parallel typed arrays so that tokenizing a megabyte allocates a handful of buffers, not objects.

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
