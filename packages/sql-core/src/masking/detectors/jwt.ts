import { SECRET_REDACTED } from '../masks/format-masks';
import { eachMatch, trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * JSON Web Tokens (JWS compact: header.payload.signature; JWE: five parts).
 * The header must decode to a JSON object with an `alg`. The mask keeps the
 * header (algorithm and key id say nothing about the subject) and replaces
 * the payload, which often carries an email or a subject, and the signature.
 */

const JWT = /(?<![\w-])eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){2,4}(?![\w-])/g;

function validHeader(header: string): boolean {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return (
      typeof decoded === 'object' &&
      decoded !== null &&
      typeof (decoded as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}

function validJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 && parts.length !== 5) return false;
  if ((parts[1] as string).length === 0 && parts.length === 3) return false;
  return validHeader(parts[0] as string);
}

/** `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig` -> `eyJhbGciOiJIUzI1NiJ9.***.***`. */
export function maskJwt(value: string): string {
  const v = trimValue(value);
  const dot = v.indexOf('.');
  if (dot <= 0 || !validJwt(v)) return SECRET_REDACTED;
  return `${v.slice(0, dot)}.***.***`;
}

export const jwtDetector: ValueDetector = {
  id: 'jwt',
  prefilter(f: TextFeatures, text: string | null): boolean {
    return f.dot >= 2 && f.maxRun >= 16 && (text === null || text.indexOf('eyJ') >= 0);
  },
  findSpans(text: string, out: Span[]): void {
    eachMatch(JWT, text, (m) => {
      if (validJwt(m[0])) out.push({ start: m.index, end: m.index + m[0].length, detector: 'jwt' });
    });
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    return v.startsWith('eyJ') && /^[A-Za-z0-9_.-]+$/.test(v) && validJwt(v);
  },
  mask: maskJwt,
};
