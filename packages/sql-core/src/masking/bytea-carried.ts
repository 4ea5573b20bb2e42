import { isUtf8Text } from './bytea-text';
import { maskText, mayHaveSpans, type ScanOptions } from './text-scanner';

/**
 * bytea values carried inside another value's text: an array literal
 * (`{"\\x6a61..."}`), a record (`("\\x6a61...")`), JSON (`{"a": "\\x6a61..."}`),
 * nested any number of times. PostgreSQL writes such a bytea (hex output) as
 * `\x` and hex digits behind the container's quoting, which doubles the
 * backslash at each level: a run of hex digits after a backslash and `x`.
 * Its bytes, when they are UTF-8 text, are scanned like text and the masked
 * bytes written back as hex in place: hex digits need no quoting in any
 * container, so the container still parses whatever length the mask has.
 */

const BACKSLASH = 0x5c;
const X = 0x78;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** The end of the hex run starting at `from` (exclusive). */
function hexRunEnd(at: (i: number) => number, from: number, end: number): number {
  let j = from;
  while (j < end && isHex(at(j))) j++;
  return j;
}

/**
 * Each bytea hex run of `text` (digits only, `[start, end)`), in order: a
 * backslash, `x`, then an even number (two or more) of hex digits.
 */
function* hexRuns(text: string): Generator<[number, number]> {
  const code = (i: number): number => text.charCodeAt(i);
  let i = text.indexOf('\\x');
  while (i >= 0) {
    const start = i + 2;
    const end = hexRunEnd(code, start, text.length);
    if (end > start && (end - start) % 2 === 0) yield [start, end];
    i = text.indexOf('\\x', Math.max(end, i + 1));
  }
}

/** The masked hex of one run; the run itself when its bytes are text with nothing to mask; null when they are not text. */
function maskRun(digits: string, scan: ScanOptions): string | null {
  const bytes = Buffer.from(digits, 'hex');
  if (!isUtf8Text(bytes)) return null;
  const text = bytes.toString('utf8');
  const masked = maskText(text, scan);
  return masked === text ? digits : Buffer.from(masked, 'utf8').toString('hex');
}

/**
 * Masks the text-held bytea runs of `text` in place. `scanRest`: the rest of
 * the text (and a run whose bytes are not text, as the plain scan did) is
 * scanned as text too; without it only the runs change (a JSON value, whose
 * own masker scans the rest). Returns `text` itself when nothing changed.
 */
export function maskCarriedBytea(text: string, scan: ScanOptions, scanRest = true): string {
  const rest = (s: string): string => (scanRest ? maskText(s, scan) : s);
  let out = '';
  let from = 0;
  for (const [start, end] of hexRuns(text)) {
    const digits = text.slice(start, end);
    // A run whose bytes are not text is left to the plain scan, as before (fail closed).
    out += rest(text.slice(from, start)) + (maskRun(digits, scan) ?? rest(digits));
    from = end;
  }
  if (from === 0) return rest(text);
  out += rest(text.slice(from));
  return out === text ? text : out;
}

/**
 * Whether `src[start, end)` (text-format bytes) holds a bytea hex run whose
 * bytes are text a scan may change: false lets the engine forward the value
 * without making a string of it.
 */
export function mayCarryByteaSpans(src: Uint8Array, start: number, end: number, scan: ScanOptions): boolean {
  const code = (i: number): number => src[i] as number;
  for (let i = start; i + 1 < end; i++) {
    if (src[i] !== BACKSLASH || src[i + 1] !== X) continue;
    const runEnd = hexRunEnd(code, i + 2, end);
    const n = runEnd - (i + 2);
    if (n > 0 && n % 2 === 0) {
      const bytes = Buffer.from(Buffer.from(src.buffer, src.byteOffset + i + 2, n).toString('latin1'), 'hex');
      if (isUtf8Text(bytes) && mayHaveSpans(bytes, 0, bytes.length, scan)) return true;
    }
    i = Math.max(i, runEnd - 1);
  }
  return false;
}
