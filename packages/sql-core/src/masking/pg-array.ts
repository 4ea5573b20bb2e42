/**
 * PostgreSQL array literals in text format (`{a,"b c",NULL,{d}}`, optionally
 * with bounds `[0:1]={...}`), element by element: NULL stays NULL, elements
 * are re-quoted when the mask needs it, the structure is kept.
 */

const MAX_DEPTH = 64;

class ArrayParser {
  pos = 0;
  changed = false;

  constructor(
    private readonly text: string,
    private readonly fn: (element: string) => string,
  ) {}

  /** Parses `{...}` at `pos`, returning its re-serialised text. Throws on malformed input. */
  array(depth: number): string {
    if (depth > MAX_DEPTH || this.text.charCodeAt(this.pos) !== 123 /* { */)
      throw new Error('not an array literal');
    this.pos++;
    let out = '{';
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 125 /* } */) {
      this.pos++;
      return '{}';
    }
    for (;;) {
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 123) out += this.array(depth + 1);
      else if (c === 34 /* " */) out += quote(this.mapElement(this.quoted()));
      else out += this.unquoted();
      this.skipSpace();
      const sep = this.text.charCodeAt(this.pos);
      this.pos++;
      if (sep === 125) return `${out}}`;
      if (sep !== 44 /* , */) throw new Error('malformed array literal');
      out += ',';
    }
  }

  private mapElement(element: string): string {
    const masked = this.fn(element);
    if (masked !== element) this.changed = true;
    return masked;
  }

  private quoted(): string {
    this.pos++;
    let value = '';
    for (;;) {
      if (this.pos >= this.text.length) throw new Error('unterminated quoted element');
      const c = this.text.charCodeAt(this.pos);
      if (c === 92 /* \ */) {
        value += this.text[this.pos + 1] ?? '';
        this.pos += 2;
      } else if (c === 34) {
        this.pos++;
        return value;
      } else {
        value += this.text[this.pos];
        this.pos++;
      }
    }
  }

  private unquoted(): string {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 44 || c === 125 || c === 123 || c === 34) break;
      this.pos++;
    }
    const raw = this.text.slice(start, this.pos).trim();
    if (raw.length === 0) throw new Error('empty unquoted element');
    if (raw.toUpperCase() === 'NULL') return raw;
    return quote(this.mapElement(raw));
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }
}

const NEEDS_QUOTES = /[{}",\\\s]/;

function quote(element: string): string {
  if (element.length > 0 && !NEEDS_QUOTES.test(element) && element.toUpperCase() !== 'NULL') return element;
  return `"${element.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * Applies `fn` to every non-NULL element of an array literal. Returns the
 * same string when no element changed, and null when the text is not an
 * array literal (the caller then masks it as text).
 */
export function mapPgArray(text: string, fn: (element: string) => string): string | null {
  let prefix = '';
  let start = 0;
  if (text.charCodeAt(0) === 91 /* [ */) {
    const eq = text.indexOf('=');
    if (eq < 0) return null;
    prefix = text.slice(0, eq + 1);
    start = eq + 1;
  }
  const parser = new ArrayParser(text, fn);
  parser.pos = start;
  try {
    const out = parser.array(0);
    if (parser.pos !== text.length) return null;
    return parser.changed ? prefix + out : text;
  } catch {
    return null;
  }
}
