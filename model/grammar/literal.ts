// A finite set of byte sequences, each position a set of allowed bytes, matched in lockstep: one
// byte moves every live sequence one position on. Enum and const values (their JSON text), true,
// false, null and the string formats (date, time, date-time) are all such sets. States are
// interned lazily (position + live sequences), so matching is a table lookup after the first visit.

/** One position of a sequence: the bytes allowed there. */
export type ByteSet = Uint8Array; // (256) 1 = allowed

export function byteSet(chars: string): ByteSet {
  const s = new Uint8Array(256);
  for (const b of new TextEncoder().encode(chars)) s[b] = 1;
  return s;
}

export function exactBytes(bytes: Uint8Array): ByteSet[] {
  return Array.from(bytes, (b) => { const s = new Uint8Array(256); s[b] = 1; return s; });
}

const DEAD = -1;

export class LiteralSet {
  /** Per interned state: position, live sequence ids, accepting, and transitions (DEAD or unknown = -2). */
  private readonly pos: number[] = [];
  private readonly live: number[][] = [];
  private readonly accepting: boolean[] = [];
  private readonly next: Int32Array[] = [];
  private readonly ids = new Map<string, number>();
  readonly initial: number;

  constructor(private readonly seqs: readonly (readonly ByteSet[])[]) {
    if (seqs.length === 0) throw new RangeError('literal set: no sequences');
    this.initial = this.intern(0, seqs.map((_, i) => i));
  }

  private intern(pos: number, live: number[]): number {
    const key = `${pos}:${live.join(',')}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.pos.length;
      this.ids.set(key, id);
      this.pos.push(pos);
      this.live.push(live);
      this.accepting.push(live.some((i) => this.seqs[i].length === pos));
      this.next.push(new Int32Array(256).fill(-2));
    }
    return id;
  }

  /** The state after byte b, or -1. */
  step(state: number, b: number): number {
    const row = this.next[state];
    let n = row[b];
    if (n === -2) {
      const pos = this.pos[state];
      const live = this.live[state].filter((i) => pos < this.seqs[i].length && this.seqs[i][pos][b] === 1);
      n = live.length ? this.intern(pos + 1, live) : DEAD;
      row[b] = n;
    }
    return n;
  }

  isAccepting(state: number): boolean {
    return this.accepting[state];
  }

  /** Marks in `into` (256 entries) every byte some sequence allows somewhere. */
  markBytes(into: Uint8Array): void {
    for (const seq of this.seqs) for (const set of seq) for (let b = 0; b < 256; b++) if (set[b]) into[b] = 1;
  }
}
