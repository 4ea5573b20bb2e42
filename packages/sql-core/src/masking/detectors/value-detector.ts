import type { DetectorId } from '../detector-id';

/** A validated match in a text: `[start, end)` in UTF-16 code units. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly detector: DetectorId;
}

/**
 * Counts gathered in one pass over a cell so that every detector can rule
 * itself out without a regular expression: most cells match nothing.
 */
export interface TextFeatures {
  readonly length: number;
  readonly digits: number;
  readonly upper: number;
  readonly at: number;
  readonly colon: number;
  readonly dot: number;
  readonly dash: number;
  readonly equals: number;
  readonly dollar: number;
  readonly brace: number;
  /** Longest run of `[A-Za-z0-9_-]`: keys and tokens are long runs, prose words are short. */
  readonly maxRun: number;
}

/**
 * One kind of sensitive value found by its shape and validator. Detectors are
 * stateless and pure; their regular expressions are compiled once.
 */
export interface ValueDetector {
  readonly id: DetectorId;
  /**
   * Cheap test on the cell's features (and an `indexOf` at most): false means `findSpans` finds nothing.
   * `text` null: the text is not at hand (its bytes were counted), answer from the features alone.
   */
  prefilter(features: TextFeatures, text: string | null): boolean;
  /** Appends the validated matches in free text. */
  findSpans(text: string, out: Span[]): void;
  /** Whether the whole (trimmed) value is one validated instance. */
  isValue(value: string): boolean;
  /** The format-preserving mask of one validated instance. */
  mask(instance: string): string;
}

// Character classes for the feature pass, one table lookup per character.
const C_DIGIT = 1;
const C_UPPER = 2;
const C_WORD = 3;
const C_AT = 4;
const C_COLON = 5;
const C_DOT = 6;
const C_DASH = 7;
const C_EQUALS = 8;
const C_DOLLAR = 9;
const C_BRACE = 10;

const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = C_UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = C_WORD;
CLASS[95] = C_WORD; // _
CLASS[64] = C_AT;
CLASS[58] = C_COLON;
CLASS[46] = C_DOT;
CLASS[45] = C_DASH;
CLASS[61] = C_EQUALS;
CLASS[36] = C_DOLLAR;
CLASS[123] = C_BRACE;

/** One pass over the text. */
export function textFeatures(text: string): TextFeatures {
  let digits = 0;
  let upper = 0;
  let at = 0;
  let colon = 0;
  let dot = 0;
  let dash = 0;
  let equals = 0;
  let dollar = 0;
  let brace = 0;
  let run = 0;
  let maxRun = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    // Fast paths for what prose is mostly made of: lowercase letters and spaces.
    if (code >= 97 && code <= 122) {
      run++;
      continue;
    }
    if (code === 32) {
      if (run > maxRun) maxRun = run;
      run = 0;
      continue;
    }
    const cls = code < 128 ? (CLASS[code] as number) : 0;
    switch (cls) {
      case C_DIGIT:
        digits++;
        run++;
        continue;
      case C_UPPER:
        upper++;
        run++;
        continue;
      case C_WORD:
        run++;
        continue;
      case C_DASH:
        dash++;
        run++;
        continue;
      case C_AT:
        at++;
        break;
      case C_COLON:
        colon++;
        break;
      case C_DOT:
        dot++;
        break;
      case C_EQUALS:
        equals++;
        break;
      case C_DOLLAR:
        dollar++;
        break;
      case C_BRACE:
        brace++;
        break;
      default:
        break;
    }
    if (run > maxRun) maxRun = run;
    run = 0;
  }
  if (run > maxRun) maxRun = run;
  return { length: n, digits, upper, at, colon, dot, dash, equals, dollar, brace, maxRun };
}

/**
 * The same pass over a text's UTF-8 bytes, with no string made. Every count
 * is at least the one `textFeatures` gives for the decoded text (a byte past
 * ASCII counts as nothing and ends a run, as the character it belongs to does;
 * `length` counts bytes), so a prefilter that fails on these fails on the text.
 */
export function byteFeatures(src: Uint8Array, start: number, end: number): TextFeatures {
  let digits = 0;
  let upper = 0;
  let at = 0;
  let colon = 0;
  let dot = 0;
  let dash = 0;
  let equals = 0;
  let dollar = 0;
  let brace = 0;
  let run = 0;
  let maxRun = 0;
  for (let i = start; i < end; i++) {
    const code = src[i] as number;
    if (code >= 97 && code <= 122) {
      run++;
      continue;
    }
    if (code === 32) {
      if (run > maxRun) maxRun = run;
      run = 0;
      continue;
    }
    const cls = code < 128 ? (CLASS[code] as number) : 0;
    switch (cls) {
      case C_DIGIT:
        digits++;
        run++;
        continue;
      case C_UPPER:
        upper++;
        run++;
        continue;
      case C_WORD:
        run++;
        continue;
      case C_DASH:
        dash++;
        run++;
        continue;
      case C_AT:
        at++;
        break;
      case C_COLON:
        colon++;
        break;
      case C_DOT:
        dot++;
        break;
      case C_EQUALS:
        equals++;
        break;
      case C_DOLLAR:
        dollar++;
        break;
      case C_BRACE:
        brace++;
        break;
      default:
        break;
    }
    if (run > maxRun) maxRun = run;
    run = 0;
  }
  if (run > maxRun) maxRun = run;
  return { length: end - start, digits, upper, at, colon, dot, dash, equals, dollar, brace, maxRun };
}

/** Index of the first non-whitespace character at or after `i`. */
export function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  return i;
}

/** ASCII whitespace, NBSP and the other Unicode spaces PostgreSQL's `trim` leaves but people type. */
export function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x202f || c === 0x2007 || c === 0x3000;
}

/** `[A-Za-z0-9_]`: the characters that make a match run on into a longer word. */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Trim ASCII and Unicode spaces; returns the same string when there is nothing to trim. */
export function trimValue(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpaceCode(value.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * Whether a keyword (a regex anchored at `$`, such as `/\bssn\W{0,4}$/i`)
 * ends within `window` characters before `start`: context for numbers that are
 * too common to mask on their shape alone.
 */
export function keywordBefore(text: string, start: number, keyword: RegExp, window = 40): boolean {
  if (start === 0) return false;
  return keyword.test(text.slice(Math.max(0, start - window), start));
}

const PLACEHOLDER =
  /^(?:<.*|\$\{.*|\{\{.*|%[A-Za-z_]+%|x+|\*+|null|none|nil|true|false|undefined|changeme|redacted|secret|password|example|your[_-].*|test|\.\.\.)$/i;

/** Values that stand for a secret in documentation and templates (`<your password>`, `${DB_PASSWORD}`, `****`). */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/** Runs a global regex over `text` and calls `accept` for each match; the regex's state is reset first. */
export function eachMatch(re: RegExp, text: string, accept: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    accept(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}
