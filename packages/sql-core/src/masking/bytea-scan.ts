import type { Dialect } from '../analysis/statement-facts';
import { decodeByteaText, encodeByteaText, isUtf8Text } from './bytea-text';
import type { ColumnMasker } from './column-masker';
import { maskText, mayHaveSpans, type ScanOptions } from './text-scanner';

/** MySQL sends a binary string's bytes as they are: text when nothing in it is a control character or undecodable. */
function looksLikeText(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d : c === 0x7f || c === 0xfffd)
      return false;
  }
  return true;
}

function utf8Of(bytes: Uint8Array, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('utf8');
}

/**
 * The value scan of a bytea column: a value whose bytes are UTF-8 text is
 * scanned like text and only the matching spans are replaced, then written
 * back as a bytea in the format it came in (`\x` hex or escape). Anything
 * else (an image, a digest, compressed data) passes untouched: its first
 * byte or two that cannot be text end the check, and no string is made.
 *
 * `mayChange` answers on the text-format bytes, `raw` masks the bytes of the
 * binary format (null-free: it returns the new bytes, or undefined when the
 * value stays).
 */
export function byteaScanMasker(scan: ScanOptions, dialect: Dialect | undefined): ColumnMasker {
  if (dialect === 'mysql') return (v) => (looksLikeText(v) ? maskText(v, scan) : v);
  const mask = (v: string): string => {
    // bytea in text format is ASCII whichever output format the session uses.
    const src = Buffer.from(v, 'latin1');
    const decoded = decodeByteaText(src, 0, src.length, true);
    if (decoded === null) return v;
    const text = utf8Of(decoded.bytes, decoded.length);
    const masked = maskText(text, scan);
    return masked === text ? v : encodeByteaText(Buffer.from(masked, 'utf8'), decoded.format);
  };
  const mayChange = (src: Uint8Array, start: number, end: number): boolean => {
    const decoded = decodeByteaText(src, start, end, true);
    return decoded !== null && mayHaveSpans(decoded.bytes, 0, decoded.length, scan);
  };
  const raw = (value: Uint8Array): Uint8Array | undefined => {
    if (!isUtf8Text(value) || !mayHaveSpans(value, 0, value.length, scan)) return undefined;
    const text = utf8Of(value, value.length);
    const masked = maskText(text, scan);
    return masked === text ? undefined : Buffer.from(masked, 'utf8');
  };
  return Object.assign(mask, { mayChange, raw });
}
