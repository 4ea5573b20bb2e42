import { SECRET_REDACTED } from '../masks/format-masks';
import { trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * PEM private keys (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----`,
 * PGP private key blocks). The mask keeps the BEGIN and END lines and
 * replaces the body. A key cut off before its END line is masked to the end
 * of the text. Public keys and certificates are not secrets and stay.
 */

const BEGIN = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----/g;

interface PemBlock {
  readonly start: number;
  /** End of the BEGIN line. */
  readonly bodyStart: number;
  /** Start of the END line, or the end of the text when it is missing. */
  readonly bodyEnd: number;
  readonly end: number;
}

function blocks(text: string): PemBlock[] {
  const found: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN.exec(text)) !== null) {
    const bodyStart = m.index + m[0].length;
    const endLine = `-----END ${m[1] as string}-----`;
    const e = text.indexOf(endLine, bodyStart);
    const bodyEnd = e >= 0 ? e : text.length;
    const end = e >= 0 ? e + endLine.length : text.length;
    found.push({ start: m.index, bodyStart, bodyEnd, end });
    BEGIN.lastIndex = end;
  }
  return found;
}

/** The line break the body uses: a real newline, or `\n` written out (a key inside a JSON or log string). */
function lineBreak(body: string): string {
  if (body.includes('\r\n')) return '\r\n';
  if (body.includes('\n')) return '\n';
  if (body.includes('\\n')) return '\\n';
  return '\n';
}

/** Keeps the BEGIN/END lines of every private-key block in `value`; the body becomes `***`. */
export function maskPrivateKey(value: string): string {
  const found = blocks(value);
  if (found.length === 0) return SECRET_REDACTED;
  let out = '';
  let last = 0;
  for (const b of found) {
    const nl = lineBreak(value.slice(b.bodyStart, b.bodyEnd));
    out += value.slice(last, b.bodyStart) + nl + '***' + (b.bodyEnd < b.end ? nl : '');
    last = b.bodyEnd;
  }
  return out + value.slice(last);
}

export const privateKeyDetector: ValueDetector = {
  id: 'private_key',
  prefilter(f: TextFeatures, text: string | null): boolean {
    return f.dash >= 10 && (text === null || text.indexOf('-----BEGIN ') >= 0);
  },
  findSpans(text: string, out: Span[]): void {
    for (const b of blocks(text)) out.push({ start: b.start, end: b.end, detector: 'private_key' });
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    const found = blocks(v);
    return (
      found.length === 1 && (found[0] as PemBlock).start === 0 && (found[0] as PemBlock).end === v.length
    );
  },
  mask: maskPrivateKey,
};
