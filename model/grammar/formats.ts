// The string formats the grammar knows, as literal sets (quotes included). Each yields a subset of
// RFC 3339 that is always valid: full-date with February limited to 28 days (no leap-year rule
// needed), full-time as HH:MM:SS with a zone (Z or ±HH:MM; no fractional seconds, no leap second),
// date-time as full-date "T" full-time.
import { byteSet, type ByteSet } from './literal.ts';

type Seq = ByteSet[];

const D = byteSet('0123456789');
const one = (c: string): ByteSet => byteSet(c);
const Q = one('"');

function product(...parts: Seq[][]): Seq[] {
  let out: Seq[] = [[]];
  for (const alts of parts) out = out.flatMap((head) => alts.map((tail) => [...head, ...tail]));
  return out;
}

const YEAR: Seq[] = [[D, D, D, D]];
const DAY31: Seq[] = [[one('0'), byteSet('123456789')], [byteSet('12'), D], [one('3'), byteSet('01')]];
const DAY30: Seq[] = [[one('0'), byteSet('123456789')], [byteSet('12'), D], [one('3'), one('0')]];
const DAY28: Seq[] = [[one('0'), byteSet('123456789')], [one('1'), D], [one('2'), byteSet('012345678')]];
const MONTH_DAY: Seq[] = [
  ...product([[one('0'), byteSet('13578')], [one('1'), byteSet('02')]], [[one('-')]], DAY31),
  ...product([[one('0'), byteSet('469')], [one('1'), one('1')]], [[one('-')]], DAY30),
  ...product([[one('0'), one('2')]], [[one('-')]], DAY28),
];
const DATE: Seq[] = product(YEAR, [[one('-')]], MONTH_DAY);

const HOUR: Seq[] = [[byteSet('01'), D], [one('2'), byteSet('0123')]];
const SIXTY: Seq = [byteSet('012345'), D];
const ZONE: Seq[] = [[one('Z')], ...product([[byteSet('+-')]], HOUR, [[one(':'), ...SIXTY]])];
const TIME: Seq[] = product(HOUR, [[one(':'), ...SIXTY, one(':'), ...SIXTY]], ZONE);

const quoted = (seqs: Seq[]): Seq[] => seqs.map((s) => [Q, ...s, Q]);

export const FORMATS: Readonly<Record<string, Seq[]>> = {
  date: quoted(DATE),
  time: quoted(TIME),
  'date-time': quoted(product(DATE, [[one('T')]], TIME)),
};
