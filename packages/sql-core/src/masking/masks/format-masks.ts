/**
 * Format-preserving masks on text. Each is total: any input gives a masked
 * output (never the input's hidden characters), so a column classified by its
 * name is masked even when a value is malformed.
 */

/** Replacement for a value nothing of which may be shown. */
export const REDACTED = '****';
/** Replacement for passwords, hashes and secrets (a constant: length says nothing). */
export const SECRET_REDACTED = '********';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127;
}

/**
 * Masks characters selected by `select` with `*`, keeping the first `keepFirst`
 * and the last `keepLast` of them; everything else (separators, punctuation)
 * stays. When too few characters would stay hidden, all of them are masked.
 */
function maskSelected(
  value: string,
  select: (c: number) => boolean,
  keepFirst: number,
  keepLast: number,
): string {
  let total = 0;
  for (let i = 0; i < value.length; i++) if (select(value.charCodeAt(i))) total++;
  // Never show more than half of them: a 4-character value keeps nothing.
  if (keepFirst + keepLast > total / 2) {
    keepFirst = 0;
    keepLast = total >= 6 ? Math.min(keepLast, 2) : 0;
  }
  // Character codes into an array, one string made at the end (per-character concatenation costs three times as much).
  const n = value.length;
  if (n > MAX_CODES) return maskSelectedLong(value, select, keepFirst, total - keepLast);
  const codes = new Array<number>(n);
  const hideTo = total - keepLast;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (select(c)) {
      seen++;
      codes[i] = seen <= keepFirst || seen > hideTo ? c : STAR;
    } else {
      codes[i] = c;
    }
  }
  return String.fromCharCode.apply(null, codes);
}

const STAR = 42;
/** Longer values are built by concatenation (apply() has an argument limit). */
const MAX_CODES = 4096;

function maskSelectedLong(
  value: string,
  select: (c: number) => boolean,
  keepFirst: number,
  hideTo: number,
): string {
  let out = '';
  let seen = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!select(c)) {
      out += value[i];
      continue;
    }
    seen++;
    out += seen <= keepFirst || seen > hideTo ? value[i] : '*';
  }
  return out;
}

/** `123-45-6789` -> `***-**-6789`; separators and letters stay. */
export function keepLastDigits(value: string, keep: number, keepFirst = 0): string {
  return maskSelected(value, isDigit, keepFirst, keep);
}

/** `GB82WEST12345698765432`, keeping the first two and last four: `GB****************5432`. */
export function keepAlnum(value: string, keepFirst: number, keepLast: number): string {
  return maskSelected(value, isAlnum, keepFirst, keepLast);
}

/** `jane.doe@example.com` -> `j***@example.com`: the first character and the whole domain stay. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return REDACTED;
  const first = value.codePointAt(0) as number;
  return `${String.fromCodePoint(first)}***${value.slice(at)}`;
}

/** Punctuation between list items (`a@x.com, b@y.com`). */
const LIST_SEPARATORS = /^[\s,;|/]*$/;

/**
 * Masks found spans when they are all the value holds apart from list
 * separators (`string_agg(email, ',')`); otherwise applies `whole` to the
 * whole value, so nothing unrecognised is left visible.
 */
export function maskListOrWhole(
  value: string,
  spans: readonly { readonly start: number; readonly end: number }[],
  maskSpan: (s: string) => string,
  whole: (s: string) => string,
): string {
  if (spans.length < 2) return whole(value);
  let out = '';
  let last = 0;
  for (const s of spans) {
    if (!LIST_SEPARATORS.test(value.slice(last, s.start))) return whole(value);
    out += value.slice(last, s.start) + maskSpan(value.slice(s.start, s.end));
    last = s.end;
  }
  if (!LIST_SEPARATORS.test(value.slice(last))) return whole(value);
  return out + value.slice(last);
}

/** `Jane Doe` -> `J***`: the first letter of the first word. */
export function maskPersonName(value: string): string {
  let i = 0;
  while (i < value.length && !isAlnum(value.charCodeAt(i))) i++;
  if (i >= value.length) return REDACTED;
  return `${String.fromCodePoint(value.codePointAt(i) as number)}***`;
}

/** `94103-1234` -> `941**-****`, `SW1A 1AA` -> `SW1* ***`: the first three characters (HIPAA safe harbour keeps 3 ZIP digits). */
export function maskPostalCode(value: string): string {
  let kept = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!isAlnum(c)) {
      out += value[i];
      continue;
    }
    kept++;
    out += kept <= 3 ? value[i] : '*';
  }
  return kept > 3 ? out : REDACTED;
}

/** `bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq` -> `bc1q****5mdq`. */
export function keepEdges(value: string, first: number, last: number): string {
  if (value.length <= first + last + 4) return REDACTED;
  return `${value.slice(0, first)}****${value.slice(value.length - last)}`;
}

const DECIMAL = /-?\d+\.\d+/g;

/** Coordinates to two decimals (about 1 km): `37.774929,-122.419416` -> `37.77,-122.42`. */
export function roundCoordinates(value: string): string {
  let changed = false;
  const out = value.replace(DECIMAL, (n) => {
    changed = true;
    return Number(n).toFixed(2);
  });
  return changed ? out : REDACTED;
}

/**
 * Fits a masked text into the column: never longer than varchar(n); char(n)
 * (which the server pads) padded back to the original's length.
 */
export function fitLength(
  masked: string,
  original: string,
  length: number | undefined,
  fixed: boolean | undefined,
): string {
  if (length !== undefined && masked.length > length) masked = '*'.repeat(Math.min(length, original.length));
  if (fixed && masked.length < original.length) masked = masked.padEnd(original.length, ' ');
  return masked;
}
