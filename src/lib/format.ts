/**
 * How numbers read on the page. One place, so the prose, the tables and the social
 * card say "98.7%" the same way. Locale is fixed (en) so a build is reproducible.
 */
const LOCALE = 'en';

const fixed = (digits: number) => new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Most decimals any figure gets when more are needed to tell it from a round bound. */
const MAX_DIGITS = 4;

/**
 * `digits` decimals of x, or more (up to MAX_DIGITS) when fewer would print a value
 * that is not `bound` as `bound`: 2 errors in 5,895 (0.99966) is "99.97%", never
 * "100.0%"; an F1 of 0.9996 is "0.9996", never "1.000".
 */
export function precise(x: number, digits: number, bounds: readonly number[]): string {
  let d = digits;
  let text = fixed(d).format(x);
  while (d < MAX_DIGITS && bounds.some((b) => x !== b && Number(text.replace(/,/g, '')) === b)) text = fixed(++d).format(x);
  return text;
}

/** 0.98734 → "98.7%"; 0.99966 → "99.97%" (a proportion short of 1 never prints as 100%, nor one above 0 as 0%). */
export function pct(p: number, digits = 1): string {
  return `${precise(p * 100, digits, [0, 100])}%`;
}

/** A 95% interval [0.981, 0.991] → "98.1–99.1%" (each end as precise as pct()). */
export function pctRange([lo, hi]: readonly [number, number], digits = 1): string {
  return `${precise(lo * 100, digits, [0, 100])}–${precise(hi * 100, digits, [0, 100])}%`;
}

/** Percentage points between two proportions, signed: +0.4 pp. */
export function pp(delta: number, digits = 1): string {
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return `${sign}${fixed(digits).format(Math.abs(delta) * 100)} pp`;
}

/** A fixed number of decimals: dec(0.98412, 3) → "0.984"; a score short of 1 never prints as "1.000" (dec(0.9996) → "0.9996"). */
export function dec(x: number, digits = 3): string {
  return precise(x, digits, [0, 1]);
}

/** 1234567 → "1,234,567". */
export function int(n: number): string {
  return new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 }).format(n);
}

/** 23587712 → "23.6 M", 8.2e9 → "8.2 G" (SI prefixes, 3 significant digits); small numbers stay whole. */
export function compact(n: number): string {
  const prefixes: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, prefix] of prefixes) if (Math.abs(n) >= scale) return `${sig(n / scale, 3)} ${prefix}`;
  return int(n);
}

/** FLOPs from multiply-accumulates (1 MAC = 2 FLOPs), compact: "7.7 GFLOPs" style without the unit. */
export function flops(macs: number): string {
  return compact(2 * macs);
}

/** Bytes in decimal units: 94371840 → "94.4 MB". */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? int(v) : sig(v, 3)} ${units[i]}`;
}

/** A number to `digits` significant digits, without exponent notation: 0.04213 → "0.0421". */
export function sig(x: number, digits = 3): string {
  return new Intl.NumberFormat(LOCALE, { maximumSignificantDigits: digits }).format(x);
}

/** Milliseconds: "0.42 ms", "12.3 ms". */
export function ms(x: number): string {
  return `${sig(x, 3)} ms`;
}

/** Seconds as a duration: "42 s", "3 min 12 s", "1 h 04 min". */
export function duration(seconds: number): string {
  if (seconds < 10) return `${sig(seconds, 2)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** How many times larger a is than b: "1,234×", "3.2×". */
export function times(a: number, b: number): string {
  const r = a / b;
  return `${r >= 100 ? int(r) : sig(r, 2)}×`;
}

/** An ISO time as "30 Nov 2025, 08:05 UTC". */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  const date = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
  const time = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' }).format(d);
  return `${date}, ${time} UTC`;
}

/** An ISO time as "30 November 2025". */
export function date(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}

/** ["a", "b", "c"] → "a, b and c". */
export function list(items: readonly string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  return new Intl.ListFormat(LOCALE, { style: 'long', type }).format(items);
}

const WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

/** Small counts in words, as prose spells them: 5 → "five"; 13 → "13". */
export function spell(n: number): string {
  return Number.isInteger(n) && n >= 0 && n < WORDS.length ? WORDS[n]! : int(n);
}

/** "1 epoch" / "3 epochs". */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${int(n)} ${n === 1 ? noun : nouns}`;
}

/** A layer's output shape without the batch dimension: [62, 62, 32] → "62 × 62 × 32". */
export function shape(dims: readonly number[]): string {
  return dims.map(int).join(' × ');
}

/** Text as a sentence: trimmed, ending in a full stop unless it already ends in punctuation. */
export function sentence(text: string): string {
  const t = text.trim();
  return /[.!?:]$/.test(t) ? t : `${t}.`;
}

/** First letter upper-case: "every model…" → "Every model…". */
export function capitalize(text: string): string {
  return text.replace(/^\p{Ll}/u, (c) => c.toUpperCase());
}
