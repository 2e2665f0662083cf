// The byte-level automaton of a compiled schema: a state is an immutable stack of frames (one per
// open value, innermost on top), so a state is shared, never copied, and cloning is free. A
// parent frame is stored already in its "after this child" phase, so popping a finished child
// exposes a parent ready for `,` `}` `]`. Numbers and literals finish when the next byte is not
// theirs: that byte is then fed to the parent. anyOf is the one source of several live stacks.
import type { ArrayNode, Grammar, GrammarNode, LiteralNode, NumberNode, ObjectNode, StringNode } from './schema.ts';

export interface Stack {
  /** null: the root frame. */
  readonly n: GrammarNode | null;
  readonly p: number;
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly up: Stack | null;
  /** Exact key, memoized. */
  k?: string;
}

// Phases. Root
const R_START = 0, R_DONE = 1;
// object: x = index of the last property emitted (-1 none); O_KEY: y = key-trie node; O_VALUE: x = property
const O_OPEN = 0, O_FIRST = 1, O_KEY = 2, O_VALUE = 3, O_AFTER = 4;
// array: x = items so far
const A_OPEN = 0, A_FIRST = 1, A_AFTER = 2, A_ITEM = 3;
// string: x = characters so far; S_BODY: y = UTF-8 continuation bytes still due, z = lo | hi << 8 of the next; S_HEX: y = hex digits so far, z = 1 if the first was d/D
const S_OPEN = 0, S_BODY = 1, S_ESC = 2, S_HEX = 3;
// number: x = digits in the current part
const N_START = 0, N_MINUS = 1, N_ZERO = 2, N_INT = 3, N_DOT = 4, N_FRAC = 5, N_E = 6, N_ESIGN = 7, N_EXP = 8;
const MAX_INT_DIGITS = 15, MAX_FRAC_DIGITS = 15, MAX_EXP_DIGITS = 2;

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
const CONT = 0x80 | (0xbf << 8);

export const ROOT_DONE: Stack = { n: null, p: R_DONE, x: 0, y: 0, z: 0, up: null, k: 'D' };

/** Per object node: a trie of the keys (quotes included) that may come after property x. */
interface ObjectTable {
  readonly children: Map<number, number>[];
  /** Property index a trie node completes, or -1. */
  readonly prop: number[];
  /** Trie root for "after property x", at [x + 1]. */
  readonly roots: number[];
  readonly canClose: boolean[];
}

function objectTable(o: ObjectNode): ObjectTable {
  const children: Map<number, number>[] = [];
  const prop: number[] = [];
  const roots: number[] = [];
  const canClose: boolean[] = [];
  const newNode = () => { children.push(new Map()); prop.push(-1); return children.length - 1; };
  for (let x = -1; x < o.props.length; x++) {
    const root = newNode();
    roots.push(root);
    let close = true;
    for (let j = x + 1; j < o.props.length; j++) {
      let t = root;
      for (const b of o.props[j].key) {
        let c = children[t].get(b);
        if (c === undefined) { c = newNode(); children[t].set(b, c); }
        t = c;
      }
      prop[t] = j;
      if (o.props[j].required) { close = false; break; }
    }
    canClose.push(close);
  }
  return { children, prop, roots, canClose };
}

export class Automaton {
  private readonly tables = new Map<number, ObjectTable>();

  constructor(readonly grammar: Grammar) {
    const visit = (n: GrammarNode): void => {
      if (n.kind === 'object') { this.tables.set(n.id, objectTable(n)); n.props.forEach((p) => visit(p.value)); }
      else if (n.kind === 'array') visit(n.item);
      else if (n.kind === 'anyOf') n.alts.forEach(visit);
    };
    visit(grammar.root);
  }

  initial(): Stack {
    return { n: null, p: R_START, x: 0, y: 0, z: 0, up: null };
  }

  /** Pushes onto `out` every stack that `s` becomes after byte b (none: b is not allowed). */
  feed(s: Stack, b: number, out: Stack[]): void {
    const n = s.n;
    if (n === null) {
      if (s.p === R_START) this.feedStart(this.grammar.root, ROOT_DONE, b, out);
      return;
    }
    switch (n.kind) {
      case 'object': return this.feedObject(n, s, b, out);
      case 'array': return this.feedArray(n, s, b, out);
      case 'string': return feedString(n, s, b, out);
      case 'number': return this.feedNumber(n, s, b, out);
      case 'literal': return this.feedLiteral(n, s, b, out);
      case 'anyOf': return;
    }
  }

  private feedStart(n: GrammarNode, up: Stack, b: number, out: Stack[]): void {
    if (n.kind === 'anyOf') { for (const a of n.alts) this.feedStart(a, up, b, out); return; }
    this.feed({ n, p: 0, x: n.kind === 'literal' ? n.set.initial : 0, y: 0, z: 0, up }, b, out);
  }

  private feedObject(n: ObjectNode, s: Stack, b: number, out: Stack[]): void {
    const t = this.tables.get(n.id)!;
    switch (s.p) {
      case O_OPEN:
        if (b === LBRACE) out.push({ n, p: O_FIRST, x: -1, y: 0, z: 0, up: s.up });
        return;
      case O_FIRST: {
        if (b === RBRACE) { if (t.canClose[0]) out.push(s.up!); return; }
        const c = t.children[t.roots[0]].get(b);
        if (c !== undefined) out.push({ n, p: O_KEY, x: -1, y: c, z: 0, up: s.up });
        return;
      }
      case O_KEY: {
        const done = t.prop[s.y];
        if (done >= 0) { if (b === COLON) out.push({ n, p: O_VALUE, x: done, y: 0, z: 0, up: s.up }); return; }
        const c = t.children[s.y].get(b);
        if (c !== undefined) out.push({ n, p: O_KEY, x: s.x, y: c, z: 0, up: s.up });
        return;
      }
      case O_VALUE:
        this.feedStart(n.props[s.x].value, { n, p: O_AFTER, x: s.x, y: 0, z: 0, up: s.up }, b, out);
        return;
      case O_AFTER:
        if (b === COMMA) { const r = t.roots[s.x + 1]; if (t.children[r].size > 0) out.push({ n, p: O_KEY, x: s.x, y: r, z: 0, up: s.up }); }
        else if (b === RBRACE && t.canClose[s.x + 1]) out.push(s.up!);
        return;
    }
  }

  private feedArray(n: ArrayNode, s: Stack, b: number, out: Stack[]): void {
    switch (s.p) {
      case A_OPEN:
        if (b === LBRACKET) out.push({ n, p: A_FIRST, x: 0, y: 0, z: 0, up: s.up });
        return;
      case A_FIRST:
        if (b === RBRACKET) { if (n.min === 0) out.push(s.up!); return; }
        if (n.max > 0) this.feedStart(n.item, { n, p: A_AFTER, x: 1, y: 0, z: 0, up: s.up }, b, out);
        return;
      case A_AFTER:
        if (b === COMMA) { if (s.x < n.max) out.push({ n, p: A_ITEM, x: s.x, y: 0, z: 0, up: s.up }); }
        else if (b === RBRACKET && s.x >= n.min) out.push(s.up!);
        return;
      case A_ITEM:
        this.feedStart(n.item, { n, p: A_AFTER, x: s.x + 1, y: 0, z: 0, up: s.up }, b, out);
        return;
    }
  }

  private feedNumber(n: NumberNode, s: Stack, b: number, out: Stack[]): void {
    const digit = b >= 0x30 && b <= 0x39;
    const e = (b === 0x65 || b === 0x45) && !n.integer;
    const to = (p: number, x: number) => out.push({ n, p, x, y: 0, z: 0, up: s.up });
    switch (s.p) {
      case N_START: if (b === 0x2d) to(N_MINUS, 0); else if (b === 0x30) to(N_ZERO, 0); else if (digit) to(N_INT, 1); return;
      case N_MINUS: if (b === 0x30) to(N_ZERO, 0); else if (digit) to(N_INT, 1); return;
      case N_ZERO: case N_INT:
        if (digit) { if (s.p === N_INT && s.x < MAX_INT_DIGITS) to(N_INT, s.x + 1); }
        else if (b === 0x2e && !n.integer) to(N_DOT, 0);
        else if (e) to(N_E, 0);
        else this.feed(s.up!, b, out);
        return;
      case N_DOT: if (digit) to(N_FRAC, 1); return;
      case N_FRAC:
        if (digit) { if (s.x < MAX_FRAC_DIGITS) to(N_FRAC, s.x + 1); }
        else if (e) to(N_E, 0);
        else this.feed(s.up!, b, out);
        return;
      case N_E: if (b === 0x2b || b === 0x2d) to(N_ESIGN, 0); else if (digit) to(N_EXP, 1); return;
      case N_ESIGN: if (digit) to(N_EXP, 1); return;
      case N_EXP:
        if (digit) { if (s.x < MAX_EXP_DIGITS) to(N_EXP, s.x + 1); }
        else this.feed(s.up!, b, out);
        return;
    }
  }

  private feedLiteral(n: LiteralNode, s: Stack, b: number, out: Stack[]): void {
    const next = n.set.step(s.x, b);
    if (next >= 0) out.push({ n, p: 0, x: next, y: 0, z: 0, up: s.up });
    if (n.set.isAccepting(s.x)) this.feed(s.up!, b, out);
  }
}

function feedString(n: StringNode, s: Stack, b: number, out: Stack[]): void {
  const to = (p: number, x: number, y: number, z: number) => out.push({ n, p, x, y, z, up: s.up });
  switch (s.p) {
    case S_OPEN:
      if (b === QUOTE) to(S_BODY, 0, 0, 0);
      return;
    case S_BODY: {
      if (s.y > 0) {
        if (b >= (s.z & 0xff) && b <= s.z >> 8) to(S_BODY, s.x, s.y - 1, CONT);
        return;
      }
      if (b === QUOTE) { if (s.x >= n.min) out.push(s.up!); return; }
      if (s.x >= n.max || b < 0x20) return;
      if (b === BACKSLASH) to(S_ESC, s.x + 1, 0, 0);
      else if (b < 0x80) to(S_BODY, s.x + 1, 0, 0);
      else {
        const lead = utf8Lead(b);
        if (lead >= 0) to(S_BODY, s.x + 1, lead & 3, lead >> 2);
      }
      return;
    }
    case S_ESC:
      if (b === 0x75) to(S_HEX, s.x, 0, 0);
      else if (ESCAPES.includes(b)) to(S_BODY, s.x, 0, 0);
      return;
    case S_HEX: {
      const hex = (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
      if (!hex) return;
      // Surrogates (D800..DFFF) are refused: every \u escape is one whole code point.
      if (s.y === 1 && s.z === 1 && !(b >= 0x30 && b <= 0x37)) return;
      if (s.y === 3) to(S_BODY, s.x, 0, 0);
      else to(S_HEX, s.x, s.y + 1, s.y === 0 && (b === 0x64 || b === 0x44) ? 1 : 0);
      return;
    }
  }
}

const ESCAPES = [QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74];

/** For a UTF-8 lead byte: continuation bytes due (low 2 bits) and the first one's lo | hi << 8 (above); -1 if b cannot lead. */
export function utf8Lead(b: number): number {
  const enc = (need: number, lo: number, hi: number) => need | ((lo | (hi << 8)) << 2);
  if (b >= 0xc2 && b <= 0xdf) return enc(1, 0x80, 0xbf);
  if (b === 0xe0) return enc(2, 0xa0, 0xbf);
  if (b === 0xed) return enc(2, 0x80, 0x9f);
  if (b >= 0xe1 && b <= 0xef) return enc(2, 0x80, 0xbf);
  if (b === 0xf0) return enc(3, 0x90, 0xbf);
  if (b >= 0xf1 && b <= 0xf3) return enc(3, 0x80, 0xbf);
  if (b === 0xf4) return enc(3, 0x80, 0x8f);
  return -1;
}

/** The value is complete: the top has finished (or may finish) and nothing but the root is below. */
export function isCompleteStack(s: Stack): boolean {
  if (s === ROOT_DONE) return true;
  return s.up === ROOT_DONE && canEnd(s);
}

function canEnd(s: Stack): boolean {
  const n = s.n;
  if (n === null) return false;
  if (n.kind === 'number') return s.p === N_ZERO || s.p === N_INT || s.p === N_FRAC || s.p === N_EXP;
  if (n.kind === 'literal') return n.set.isAccepting(s.x);
  return false;
}

/** Whether the top is a string body at a character boundary: (remaining characters allowed), else -1. */
export function stringBoundaryRoom(s: Stack): number {
  const n = s.n;
  if (n === null || n.kind !== 'string' || s.p !== S_BODY || s.y !== 0) return -1;
  return n.max - s.x;
}

export function exactKey(s: Stack): string {
  if (s.k !== undefined) return s.k;
  const own = s.n === null ? `R${s.p}` : `${s.n.id}.${s.p}.${s.x}.${s.y}.${s.z}`;
  return (s.k = s.up ? `${own}/${exactKey(s.up)}` : own);
}

/**
 * A key equal for states that allow the same tokens: counters far from their limits are capped,
 * since one token (at most `capChars` characters, `capItems` commas) cannot reach them.
 */
export function cacheKey(s: Stack, capChars: number, capItems: number): string {
  const parts: string[] = [];
  for (let f: Stack | null = s; f; f = f.up) {
    const n = f.n;
    if (n === null) { parts.push(`R${f.p}`); continue; }
    let x = `${f.x}`;
    if (n.kind === 'string') x = capCount(f.x, n.min, n.max, capChars);
    else if (n.kind === 'array' && (f.p === A_AFTER || f.p === A_ITEM)) x = capCount(f.x, n.min, n.max, capItems);
    parts.push(`${n.id}.${f.p}.${x}.${f.y}.${f.z}`);
  }
  return parts.join('/');
}

/**
 * A key equal for states whose shortest completions have the same length: counters that have
 * reached their minimum (string characters, array items, number digits) no longer matter, since
 * a shortest completion adds nothing beyond a minimum.
 */
export function completionKey(s: Stack): string {
  const parts: string[] = [];
  for (let f: Stack | null = s; f; f = f.up) {
    const n = f.n;
    if (n === null) { parts.push(`R${f.p}`); continue; }
    let x = `${f.x}`;
    if (n.kind === 'string' || (n.kind === 'array' && (f.p === A_AFTER || f.p === A_ITEM))) x = f.x < n.min ? x : 'm';
    else if (n.kind === 'number') x = f.x > 0 ? 'm' : '0';
    parts.push(`${n.id}.${f.p}.${x}.${f.y}.${f.z}`);
  }
  return parts.join('/');
}

function capCount(x: number, min: number, max: number, cap: number): string {
  if (x < min) return `${x}`;
  return `r${Math.min(max - x, cap)}`;
}
