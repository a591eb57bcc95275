/**
 * File names as they are shown: in warnings, errors, the manifest and the paper. A name
 * may hold any character but '/' and NUL (a zip's may hold NUL too), so one with a line
 * break would split a warning over two lines and break "one line per problem" for the
 * logs and the scripts that read them. Every control character (C0, DEL, C1), the
 * Unicode line and paragraph separators and the bidirectional-text controls (which can
 * make a name read as another) are shown as escapes, as in a JavaScript string: `\n`,
 * `\r`, `\t`, `\xNN`, `\uNNNN`; a backslash is doubled, so two different names are never
 * shown alike. Names without such characters (all of Medical MNIST's) are unchanged.
 */
const UNSAFE = /[\\\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const SHORT: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function shownName(name: string): string {
  return name.replace(UNSAFE, (ch) => {
    const short = SHORT[ch];
    if (short) return short;
    const c = ch.codePointAt(0)!;
    return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  });
}

/** An error's message on one line, control characters escaped (messages often quote a path). */
export function oneLine(e: unknown): string {
  return shownName(String((e as Error)?.message ?? e).trim());
}

/** Bytes for people: "5,368,709,120 bytes (5.0 GiB)". */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let unit = '';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${n.toLocaleString('en-US')} bytes${unit ? ` (${v.toFixed(1)} ${unit})` : ''}`;
}
