import type { CopyFormat } from '@gatehouse/sql-core';
import { ProtocolError } from '../codec';
import type { ColumnRewrite } from './column-maskers';
import { rewriteValue } from './row-masker';

/** PGCOPY\n\377\r\n\0: the binary COPY signature. */
const BINARY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/**
 * Rewrites the rows of COPY ... TO STDOUT (the server sends one CopyData
 * per row) in text, csv and binary format: fields are split as COPY writes
 * them (escapes, quotes, the NULL marker), only masked columns are decoded,
 * and a row that needs no change is not copied.
 */
export class CopyMasker {
  readonly #rewrites: readonly (ColumnRewrite | undefined)[] | null;
  /** Without described columns: the rewrite of every column (a value scan). */
  readonly #blind: ColumnRewrite | undefined;
  readonly #format: CopyFormat;
  readonly #delimiter: number;
  readonly #quote: number;
  readonly #escape: number;
  #skipHeader: boolean;
  #binaryHeaderSeen = false;

  constructor(
    rewrites: readonly (ColumnRewrite | undefined)[] | null,
    format: CopyFormat,
    blind?: ColumnRewrite,
  ) {
    this.#rewrites = rewrites;
    this.#blind = blind;
    this.#format = format;
    this.#delimiter = format.delimiter.charCodeAt(0);
    this.#quote = format.quote.charCodeAt(0);
    this.#escape = format.escape.charCodeAt(0);
    this.#skipHeader = format.header && format.format !== 'binary';
  }

  /** A CopyData payload: the rewritten payload, or null when it passes unchanged. */
  mask(data: Buffer): Buffer | null {
    if (this.#format.format === 'binary') return this.#binary(data);
    if (this.#skipHeader) {
      this.#skipHeader = false;
      return null;
    }
    const fields = this.#format.format === 'csv' ? this.#csvFields(data) : this.#textFields(data);
    let changed = false;
    const out: string[] = [];
    fields.forEach((f, i) => {
      const rewrite = this.#rewriteOf(i);
      if (rewrite === undefined || f.value === null) {
        out.push(f.raw);
        return;
      }
      const masked = rewrite.masker(f.value);
      if (masked === f.value) {
        out.push(f.raw);
        return;
      }
      changed = true;
      out.push(
        this.#format.format === 'csv' ? this.#csvQuote(masked) : textEscape(masked, this.#format.delimiter),
      );
    });
    if (!changed) return null;
    return Buffer.from(`${out.join(this.#format.delimiter)}\n`, 'utf8');
  }

  #rewriteOf(i: number): ColumnRewrite | undefined {
    return this.#rewrites === null ? this.#blind : this.#rewrites[i];
  }

  /** Text format: fields split at unescaped delimiters; `\N` (the null marker) compared before de-escaping. */
  #textFields(data: Buffer): { raw: string; value: string | null }[] {
    const fields: { raw: string; value: string | null }[] = [];
    let start = 0;
    let end = data.length;
    if (data[end - 1] === NEWLINE) end--;
    for (let i = 0; i <= end; i++) {
      const c = data[i];
      if (c === BACKSLASH) {
        i++;
        continue;
      }
      if (i === end || c === this.#delimiter) {
        const raw = data.toString('utf8', start, i);
        fields.push({ raw, value: raw === this.#format.null ? null : textUnescape(raw) });
        start = i + 1;
      }
    }
    return fields;
  }

  /** CSV: quoted fields may hold delimiters, quotes (escaped) and newlines; an unquoted null string is NULL. */
  #csvFields(data: Buffer): { raw: string; value: string | null }[] {
    const text = data.toString('utf8');
    const end = text.endsWith('\r\n') ? text.length - 2 : text.endsWith('\n') ? text.length - 1 : text.length;
    const q = String.fromCharCode(this.#quote);
    const e = String.fromCharCode(this.#escape);
    const d = this.#format.delimiter;
    const fields: { raw: string; value: string | null }[] = [];
    let i = 0;
    for (;;) {
      const start = i;
      let value = '';
      let quoted = false;
      while (i < end && text[i] !== d) {
        if (text[i] === q) {
          quoted = true;
          i++;
          while (i < end) {
            if (text[i] === e && (text[i + 1] === q || text[i + 1] === e) && (e !== q || text[i + 1] === q)) {
              value += text[i + 1];
              i += 2;
              continue;
            }
            if (text[i] === q) {
              i++;
              break;
            }
            value += text[i];
            i++;
          }
        } else {
          value += text[i];
          i++;
        }
      }
      const raw = text.slice(start, i);
      fields.push({ raw, value: !quoted && raw === this.#format.null ? null : value });
      if (i >= end) return fields;
      i++;
    }
  }

  #csvQuote(value: string): string {
    const q = this.#format.quote;
    const needs =
      value === this.#format.null ||
      value === '\\.' ||
      /[\r\n]/.test(value) ||
      value.includes(this.#format.delimiter) ||
      value.includes(q);
    if (!needs) return value;
    const e = this.#format.escape;
    let out = '';
    for (const c of value) out += c === q || c === e ? e + c : c;
    return q + out + q;
  }

  /** Binary: the signature and header once, then per row a field count and (length, bytes) per field; -1 ends. */
  #binary(data: Buffer): Buffer | null {
    let pos = 0;
    if (!this.#binaryHeaderSeen) {
      if (data.length < 19 || !data.subarray(0, 11).equals(BINARY_SIGNATURE))
        throw new ProtocolError('binary COPY data without its signature');
      const extension = data.readInt32BE(15);
      pos = 19 + extension;
      this.#binaryHeaderSeen = true;
    }
    let changes: (number | Buffer | null)[] | null = null;
    while (pos < data.length) {
      if (pos + 2 > data.length) throw new ProtocolError('binary COPY tuple cut short');
      const count = data.readInt16BE(pos);
      pos += 2;
      if (count === -1) break;
      if (this.#rewrites !== null && count !== this.#rewrites.length) {
        throw new ProtocolError(`binary COPY tuple has ${count} fields, expected ${this.#rewrites.length}`);
      }
      for (let i = 0; i < count; i++) {
        if (pos + 4 > data.length) throw new ProtocolError('binary COPY field cut short');
        const len = data.readInt32BE(pos);
        pos += 4;
        if (len < 0) continue;
        if (pos + len > data.length) throw new ProtocolError('binary COPY field past the end of its message');
        const rewrite = this.#rewriteOf(i);
        if (rewrite !== undefined) {
          const out = rewriteValue(rewrite, data, pos, pos + len);
          if (out !== undefined)
            (changes ??= []).push(
              pos - 4,
              pos + len,
              typeof out === 'string' ? Buffer.from(out, 'utf8') : out,
            );
        }
        pos += len;
      }
    }
    if (changes === null) return null;
    const parts: Buffer[] = [];
    let from = 0;
    for (let k = 0; k < changes.length; k += 3) {
      const value = changes[k + 2] as Buffer | null;
      parts.push(data.subarray(from, changes[k] as number));
      const len = Buffer.alloc(4);
      len.writeInt32BE(value === null ? -1 : value.length);
      parts.push(len);
      if (value !== null) parts.push(value);
      from = changes[k + 1] as number;
    }
    parts.push(data.subarray(from));
    return Buffer.concat(parts);
  }
}

const UNESCAPE: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** COPY text de-escaping: `\n`-style letters, octal `\ooo`, hex `\xhh`, anything else stands for itself. */
function textUnescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, s: string) => {
    if (s[0] === 'x' && s.length > 1) return String.fromCharCode(Number.parseInt(s.slice(1), 16));
    if (/^[0-7]/.test(s)) return String.fromCharCode(Number.parseInt(s, 8));
    return UNESCAPE[s] ?? s;
  });
}

function textEscape(value: string, delimiter: string): string {
  let out = '';
  for (const c of value) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\v') out += '\\v';
    else if (c === delimiter) out += `\\${c}`;
    else out += c;
  }
  return out;
}
