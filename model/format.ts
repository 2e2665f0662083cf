// Numbers for people, in the user's own locale (Intl): byte sizes in decimal units, as operating
// systems and navigator.storage.estimate() report disk space, and durations. The one formatter
// the app's screens and the worker's messages share.

const BYTE_UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

export function formatBytes(n: number, locale?: string): string {
  if (!Number.isFinite(n)) return '–';
  if (n < 1000) return new Intl.NumberFormat(locale, { style: 'unit', unit: 'byte', unitDisplay: 'long', maximumFractionDigits: 0 }).format(Math.max(0, n));
  let unit = -1;
  let v = n;
  while (v >= 1000 && unit < BYTE_UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  // Rounding may reach 1000 of a unit: say 1 of the next one instead.
  if (Math.round(v) >= 1000 && unit < BYTE_UNITS.length - 1) { v /= 1000; unit++; }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: BYTE_UNITS[unit], unitDisplay: 'short', maximumFractionDigits: v >= 100 ? 0 : 1 }).format(v);
}

/** A duration for a progress line: seconds up to a minute, then minutes and seconds, then hours and minutes. */
export function formatDuration(seconds: number, locale?: string): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const f = (value: number, unit: 'second' | 'minute' | 'hour') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 0 }).format(value);
  const total = Math.ceil(seconds);
  if (total < 60) return f(total, 'second');
  const m = Math.floor(total / 60), s = total % 60;
  if (m < 60) return s ? `${f(m, 'minute')} ${f(s, 'second')}` : f(m, 'minute');
  const h = Math.floor(m / 60);
  return m % 60 ? `${f(h, 'hour')} ${f(m % 60, 'minute')}` : f(h, 'hour');
}
