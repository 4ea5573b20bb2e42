import { classifyColumn, type ColumnClassification } from './column-classifier';
import type { MaskOptions } from './mask-options';
import { numberMask, textMask, type ValueMask } from './masks/detector-masks';
import { maskCarriedBytea } from './bytea-carried';
import { maskText } from './text-scanner';

/**
 * Masks JSON text (json/jsonb cells, JSON in text columns) without
 * JSON.parse: a small recursive-descent reader walks the text and rewrites
 * only the values it masks, so numbers keep their precision, keys their order
 * and the rest its formatting. Keys classify like column names, with the
 * parent key as the table (`{"customer": {"name": ...}}` is a person's name);
 * values under a sensitive key (objects and arrays included) are masked by
 * that key's mask; other strings are scanned for spans. Booleans and nulls
 * stay. Text that is not JSON is scanned as free text instead.
 */

const MAX_DEPTH = 128;

class NotJson extends Error {}

/** How the values under one key are masked (null: scanned, or left as they are for numbers). */
export interface JsonValueMasks {
  /** Masks of a sensitive key: every value below it is masked (by its own key's mask when that is sensitive too). */
  readonly strings: ValueMask | null;
  readonly integers: ValueMask | null;
  readonly floats: ValueMask | null;
}
type Context = JsonValueMasks;

/**
 * The masks of a key of a serialised row (`row_to_json(v)`: a key is a column
 * of v) by what that column is computed from; null: the key is classified by
 * its own name, as without it.
 */
export type RowKeyMasks = (key: string) => JsonValueMasks | null;

const SCAN: Context = { strings: null, integers: null, floats: null };
/** Cache marker: the key classifies as nothing. */
const NONE: Context = { strings: null, integers: null, floats: null };

/** Member contexts by parent key, key and the value's first character class; bounded. */
type MemberCache = Map<string, Map<string, Context>>;
const MEMBER_CACHE_LIMIT = 2048;

export class JsonMasker {
  private readonly masks = new Map<string, Context>();
  private readonly members: MemberCache = new Map();
  private memberCount = 0;
  private readonly scan: { defaultCountry: NonNullable<MaskOptions['defaultCountry']> };

  constructor(private readonly options: MaskOptions) {
    this.scan = { defaultCountry: options.defaultCountry ?? 'US' };
  }

  /** The masks for a classification (cached: one per detector and confidence). */
  contextOf(c: ColumnClassification): Context {
    const id = `${c.detector}/${c.confidence}`;
    let ctx = this.masks.get(id);
    if (ctx === undefined) {
      ctx =
        c.detector === 'free_text'
          ? SCAN
          : {
              strings: textMask(c, this.options),
              integers: numberMask(c, false, this.options),
              floats: numberMask(c, true, this.options),
            };
      this.masks.set(id, ctx);
    }
    return ctx;
  }

  /**
   * Masks a JSON document; `root` is the classification of the column that
   * holds it (null or free text: scan by key and value). `rootTable` names
   * the table whose rows the document serialises (`row_to_json(u)`,
   * `json_agg(u)`), so its top-level keys classify as that table's columns.
   * `rowKeys`, when given, masks the keys of the row objects (the document,
   * or the elements of an array that is the document: `json_agg`) by the
   * columns they come from. Returns the same string when nothing was masked.
   */
  mask(
    value: string,
    root: ColumnClassification | null,
    rootTable: string | null = null,
    rowKeys: RowKeyMasks | null = null,
  ): string {
    // PostgreSQL writes a bytea in JSON as a string of its `\\x` hex: bytes that are text are scanned too.
    const text = maskCarriedBytea(value, this.scan, false);
    try {
      const run = new JsonRun(text, this, rowKeys);
      run.skipSpace();
      run.value(root === null ? SCAN : this.contextOf(root), rootTable, 0, rowKeys !== null);
      run.skipSpace();
      if (run.pos !== text.length) throw new NotJson();
      return run.result();
    } catch (err) {
      if (!(err instanceof NotJson) && !(err instanceof RangeError)) throw err;
      return root === null || root.detector === 'free_text'
        ? maskText(text, this.scan)
        : (this.contextOf(root).strings?.(text) ?? text);
    }
  }

  /** Context of a member: its key's classification, else the parent's. */
  memberContext(parent: Context, parentKey: string | null, key: string, first: number): Context {
    const type =
      first === 34
        ? 'text'
        : first === 123 || first === 91
          ? 'json'
          : (first >= 48 && first <= 57) || first === 45
            ? 'numeric'
            : null;
    if (type === null) return parent;
    const own = this.keyContext(parentKey ?? '', key, type);
    if (own === null) return parent;
    // A key named like free text (`notes`, `metadata`) under a sensitive key stays sensitive.
    if (own === SCAN && parent !== SCAN) return parent;
    return own;
  }

  /** The context a key gives its value by its own name (null: none), cached per masker: keys repeat on every row. */
  private keyContext(parentKey: string, key: string, type: 'text' | 'json' | 'numeric'): Context | null {
    let byKey = this.members.get(parentKey);
    if (byKey === undefined) {
      if (this.memberCount >= MEMBER_CACHE_LIMIT) {
        this.members.clear();
        this.memberCount = 0;
      }
      byKey = new Map();
      this.members.set(parentKey, byKey);
    }
    const slot = type === 'text' ? '"' : type === 'json' ? '{' : '0';
    const cacheKey = slot + key;
    const hit = byKey.get(cacheKey);
    if (hit !== undefined) return hit === NONE ? null : hit;
    const c = classifyColumn({ table: parentKey === '' ? null : parentKey, column: key, type });
    const ctx = c === null ? NONE : this.contextOf(c);
    byKey.set(cacheKey, ctx);
    this.memberCount++;
    return ctx === NONE ? null : ctx;
  }

  scanString(s: string): string {
    return maskText(s, this.scan);
  }
}

class JsonRun {
  pos = 0;
  private out = '';
  private copied = 0;
  private changed = false;

  constructor(
    private readonly text: string,
    private readonly masker: JsonMasker,
    private readonly rowKeys: RowKeyMasks | null = null,
  ) {}

  result(): string {
    return this.changed ? this.out + this.text.slice(this.copied) : this.text;
  }

  private replace(start: number, end: number, replacement: string): void {
    this.out += this.text.slice(this.copied, start) + replacement;
    this.copied = end;
    this.changed = true;
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
      this.pos++;
    }
  }

  /** `row`: an object here is a serialised row, its keys masked by `rowKeys`. */
  value(ctx: Context, key: string | null, depth: number, row = false): void {
    if (depth > MAX_DEPTH) throw new NotJson();
    const c = this.text.charCodeAt(this.pos);
    if (c === 123) this.object(ctx, key, depth, row);
    else if (c === 91) this.array(ctx, key, depth, row && depth === 0);
    else if (c === 34) this.stringValue(ctx);
    else if (c === 45 || (c >= 48 && c <= 57)) this.number(ctx);
    else this.literal();
  }

  private object(ctx: Context, parentKey: string | null, depth: number, row: boolean): void {
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 125) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 34) throw new NotJson();
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 58) throw new NotJson();
      this.pos++;
      this.skipSpace();
      const byLineage = row && this.rowKeys !== null ? this.rowKeys(key) : null;
      const child =
        byLineage ?? this.masker.memberContext(ctx, parentKey, key, this.text.charCodeAt(this.pos));
      this.value(child, key, depth + 1);
      this.skipSpace();
      const sep = this.text.charCodeAt(this.pos++);
      if (sep === 125) return;
      if (sep !== 44) throw new NotJson();
    }
  }

  /** `rows`: the document's own array, whose objects are serialised rows (`json_agg`). */
  private array(ctx: Context, key: string | null, depth: number, rows: boolean): void {
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 93) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      this.value(ctx, key, depth + 1, rows);
      this.skipSpace();
      const sep = this.text.charCodeAt(this.pos++);
      if (sep === 93) return;
      if (sep !== 44) throw new NotJson();
    }
  }

  /** Reads a string literal at `pos` and returns its value. */
  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= t.length) throw new NotJson();
      const c = t.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 32) throw new NotJson();
      i++;
    }
    this.pos = i + 1;
    if (!escaped) return t.slice(start + 1, i);
    try {
      return JSON.parse(t.slice(start, i + 1)) as string;
    } catch {
      throw new NotJson();
    }
  }

  private stringValue(ctx: Context): void {
    const start = this.pos;
    const value = this.string();
    const masked = ctx.strings !== null ? ctx.strings(value) : this.masker.scanString(value);
    if (masked !== value) this.replace(start, this.pos, JSON.stringify(masked));
  }

  private number(ctx: Context): void {
    const t = this.text;
    const start = this.pos;
    let i = start;
    let float = false;
    if (t.charCodeAt(i) === 45) i++;
    const digitsStart = i;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c >= 48 && c <= 57) i++;
      else if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) {
        float = true;
        i++;
      } else break;
    }
    if (i === digitsStart) throw new NotJson();
    this.pos = i;
    const mask = float ? ctx.floats : ctx.integers;
    if (mask === null) return;
    const raw = t.slice(start, i);
    const masked = mask(raw);
    if (masked !== raw) this.replace(start, i, masked);
  }

  private literal(): void {
    const t = this.text;
    for (const word of ['true', 'false', 'null']) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    throw new NotJson();
  }
}
