/**
 * Replaces every literal in a statement with `$n`, so the text is safe to log and audit.
 * libpg-query's normalize leaves literals in some utility statements (COPY file names, PREPARE
 * bodies, EXECUTE arguments), so Gatehouse lexes the text itself with PostgreSQL's rules
 * (standard_conforming_strings on, as the parser assumes): '...' strings with '' doubling,
 * E'...' with backslash escapes, B'', X'', N'', U&'...', $tag$...$tag$ dollar quoting, and
 * numbers (decimal, exponent, 0x/0o/0b, `_` separators). Comments, identifiers, keywords and
 * `$1` parameters are kept; numbering continues after the highest parameter already present.
 *
 * The parser's constant positions are the cross-check: each must start a token the lexer
 * found, or the text is not returned (the caller falls back), so a disagreement between this
 * lexer and PostgreSQL's can never leak a literal silently.
 */

const LITERAL = 1;
const OTHER = 2;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentCont(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** End (exclusive) of a quoted run starting at the opening quote `q`; `backslash` for E'' strings. */
function quotedEnd(text: string, open: number, q: number, backslash: boolean): number {
  let i = open + 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (backslash && c === 92) {
      i += 2;
      continue;
    }
    if (c === q) {
      if (text.charCodeAt(i + 1) === q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return n;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

interface Scan {
  readonly literals: number[];
  readonly flags: Uint8Array;
  readonly maxParam: number;
  /** A U&'' string or U&"" identifier: its UESCAPE literal changes how it decodes. */
  readonly unicodeEscapes: boolean;
}

function scan(text: string, keep: ReadonlySet<number>): Scan {
  const n = text.length;
  const literals: number[] = [];
  const flags = new Uint8Array(n + 1);
  let maxParam = 0;
  let unicodeEscapes = false;
  const literal = (start: number, end: number): number => {
    flags[start] = LITERAL;
    literals.push(start, end);
    return end;
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (isSpace(c)) {
      i++;
    } else if (c === 45 && next === 45) {
      // -- comment to end of line
      while (i < n && text.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && next === 42) {
      // /* comments */ nest in PostgreSQL
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 42) {
          depth++;
          i += 2;
        } else if (text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47) {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === 39) {
      i = literal(i, quotedEnd(text, i, 39, false));
    } else if (c === 34) {
      flags[i] = OTHER;
      i = quotedEnd(text, i, 34, false);
    } else if (isIdentStart(c)) {
      const lower = c | 32;
      if (next === 39 && (lower === 101 || lower === 98 || lower === 120 || lower === 110)) {
        // E'...' (backslash escapes), B'...', X'...', N'...'. The parser places N'...' at its quote.
        flags[i + 1] = LITERAL;
        i = literal(i, quotedEnd(text, i + 1, 39, lower === 101));
      } else if (lower === 117 && next === 38 && text.charCodeAt(i + 2) === 39) {
        unicodeEscapes = true;
        flags[i + 2] = LITERAL;
        i = literal(i, quotedEnd(text, i + 2, 39, false));
      } else if (lower === 117 && next === 38 && text.charCodeAt(i + 2) === 34) {
        unicodeEscapes = true;
        flags[i] = OTHER;
        i = quotedEnd(text, i + 2, 34, false);
      } else {
        flags[i] = OTHER;
        i++;
        while (i < n && isIdentCont(text.charCodeAt(i))) i++;
      }
    } else if (isDigit(c) || (c === 46 && isDigit(next))) {
      const start = i;
      const radix = next | 32;
      // 0x1F, 0o17, 0b101 (PostgreSQL 16)
      if (
        c === 48 &&
        (radix === 120 || radix === 111 || radix === 98) &&
        /[0-9a-fA-F_]/.test(text[i + 2] ?? '')
      ) {
        i += 2;
        while (i < n && /[0-9a-fA-F_]/.test(text[i] ?? '')) i++;
      } else {
        while (i < n && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === 95)) i++;
        if (text.charCodeAt(i) === 46 && text.charCodeAt(i + 1) !== 46) {
          i++;
          while (i < n && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === 95)) i++;
        }
        if ((text.charCodeAt(i) | 32) === 101) {
          const sign = text.charCodeAt(i + 1) === 43 || text.charCodeAt(i + 1) === 45 ? 1 : 0;
          if (isDigit(text.charCodeAt(i + 1 + sign))) {
            i += 1 + sign;
            while (i < n && isDigit(text.charCodeAt(i))) i++;
          }
        }
      }
      if (keep.has(start)) flags[start] = OTHER;
      else literal(start, i);
    } else if (c === 36) {
      if (isDigit(next)) {
        flags[i] = OTHER;
        const start = ++i;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        maxParam = Math.max(maxParam, Number(text.slice(start, i)));
        continue;
      }
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(text);
      if (m === null) {
        i++;
        continue;
      }
      const close = text.indexOf(m[0], i + m[0].length);
      i = literal(i, close < 0 ? n : close + m[0].length);
    } else {
      i++;
    }
  }
  return { literals, flags, maxParam, unicodeEscapes };
}

/** True when every parser constant position lines up with a token this lexer found. */
function agrees(text: string, flags: Uint8Array, constAt: readonly number[]): boolean {
  for (const at of constAt) {
    if (at < 0 || at >= text.length) return false;
    if (flags[at] !== 0) continue;
    // A negative number's constant starts at its minus sign: `- 1` is folded into one constant.
    if (text.charCodeAt(at) !== 45) return false;
    let j = at + 1;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (flags[j] !== LITERAL) return false;
  }
  return true;
}

/**
 * The statement with its literals replaced, or null when the parser's constant positions
 * (`constAt`, character indices into `text`) do not line up with the lexer's tokens.
 * `keepAt` are numbers to keep (type modifiers such as `varchar(255)`).
 */
export function normaliseLiterals(
  text: string,
  constAt: readonly number[] | null,
  keepAt: ReadonlySet<number>,
): string | null {
  const s = scan(text, keepAt);
  if (constAt !== null && !agrees(text, s.flags, constAt)) return null;
  if (s.literals.length === 0) return text;
  let out = '';
  let last = 0;
  let param = s.maxParam;
  for (let k = 0; k < s.literals.length; k += 2) {
    const start = s.literals[k] ?? 0;
    out += text.slice(last, start) + '$' + String(++param);
    last = s.literals[k + 1] ?? start;
  }
  return out + text.slice(last);
}

const NO_KEEP: ReadonlySet<number> = new Set();

/** True when text[start, end) is one complete '...' string: '' pairs inside, a lone quote last. */
function closedString(text: string, start: number, end: number): boolean {
  let i = start + 1;
  while (i < end) {
    if (text.charCodeAt(i) === 39) {
      if (i === end - 1) return true;
      if (text.charCodeAt(i + 1) !== 39) return false;
      i += 2;
    } else i++;
  }
  return false;
}

/**
 * The text with its literals replaced, when every literal is a plain '...' string or a
 * decimal number; null otherwise (E'', dollar quoting, B'', X'', N'', U&'': the forms whose
 * lexing depends on escapes or tags are never shared between texts). Two texts with the same
 * shape differ only inside such literals, token for token, so an analysis that depends on no
 * literal's value (see TextContext.literalSensitive) holds for both.
 */
export function literalShape(text: string): string | null {
  const s = scan(text, NO_KEEP);
  if (s.unicodeEscapes) return null;
  for (let k = 0; k < s.literals.length; k += 2) {
    const start = s.literals[k] ?? 0;
    const first = text.charCodeAt(start);
    if (first !== 39 && first !== 46 && !isDigit(first)) return null;
    // An unterminated string runs to the end of the text: the parser rejects it, so no shape.
    if (first === 39 && !closedString(text, start, s.literals[k + 1] ?? 0)) return null;
    // 0x / 0o / 0b integers lex differently before PostgreSQL 16: keep them exact.
    const second = text.charCodeAt((s.literals[k] ?? 0) + 1) | 32;
    if (first === 48 && (second === 120 || second === 111 || second === 98)) return null;
  }
  return normaliseLiterals(text, null, NO_KEEP);
}
