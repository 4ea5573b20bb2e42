import { REDACTED } from '../masks/format-masks';
import { eachMatch, isPlaceholder, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * Credentials inside connection strings, URLs and headers. Only the secret
 * is a span, so only it is replaced: `postgres://app:****@db:5432/prod`,
 * `Server=db;User Id=app;Password=****;`, `Authorization: Bearer ****`.
 * URLs without a password are left alone.
 */

const SCHEME = /\b[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\//g;
// password=..., Password: ..., "pwd": "...", smtp_pass=..., jdbc ?password=...&, ADO Password=...;, hstore "password"=>"..."
// (a bare `pass` is too often a test result: `pass=12 fail=0`).
const PASSWORD_ASSIGNMENT =
  /(?<![\w-])(["']?)(?:password|passwd|pwd|[a-z]+_pass|db_?password|database_?password|user_?password)\1[ \t]*(?:=>?|:)[ \t]*(?:"((?:[^"\\\r\n]|\\.)*)"|'((?:[^'\\\r\n]|\\.)*)'|([^\s;&,"'}]+))/gi;
const AUTHORIZATION =
  /\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?(?:basic|bearer|token|digest|negotiate)[ \t]+([A-Za-z0-9._~+/=-]{4,})/gi;
const BEARER = /(?<![\w-])bearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)/gi;

function isAuthorityEnd(c: number): boolean {
  return c <= 32 || c === 47 || c === 63 || c === 35 || c === 34 || c === 39 || c === 60 || c === 62;
}

/** The password of each `scheme://user:password@host` in `text`. */
function urlPasswords(text: string, out: Span[]): void {
  eachMatch(SCHEME, text, (m) => {
    const authorityStart = m.index + m[0].length;
    let end = authorityStart;
    while (end < text.length && !isAuthorityEnd(text.charCodeAt(end))) end++;
    // Within the authority only: searches of the whole text for every URL would cost quadratic time.
    let at = end - 1;
    while (at >= authorityStart && text.charCodeAt(at) !== 64 /* @ */) at--;
    if (at < authorityStart) return;
    let colon = authorityStart;
    while (colon < at && text.charCodeAt(colon) !== 58 /* : */) colon++;
    if (colon >= at || colon + 1 === at) return;
    out.push({ start: colon + 1, end: at, detector: 'connection_string' });
  });
}

function assignmentValues(re: RegExp, text: string, out: Span[]): void {
  eachMatch(re, text, (m) => {
    for (let g = 2; g < m.length; g++) {
      const v = m[g];
      if (v === undefined || v.length === 0) continue;
      // Offset of the captured value: the match ends with it (and its closing quote, if any).
      const closing = g === 2 || g === 3 ? 1 : 0;
      const end = m.index + m[0].length - closing;
      if (isPlaceholder(v)) return;
      out.push({ start: end - v.length, end, detector: 'connection_string' });
      return;
    }
  });
}

function headerValues(re: RegExp, text: string, out: Span[]): void {
  eachMatch(re, text, (m) => {
    const v = m[1] as string;
    const end = m.index + m[0].length;
    out.push({ start: end - v.length, end, detector: 'connection_string' });
  });
}

/** Every credential span in `text`, in no particular order. */
export function credentialSpans(text: string, out: Span[]): void {
  if (text.indexOf('://') >= 0) urlPasswords(text, out);
  if (text.indexOf('=') >= 0 || text.indexOf(':') >= 0) {
    assignmentValues(PASSWORD_ASSIGNMENT, text, out);
    headerValues(AUTHORIZATION, text, out);
  }
  headerValues(BEARER, text, out);
}

/** Replaces only the credentials of a connection string or URL; the value is returned unchanged when it holds none. */
export function maskCredentials(value: string): string {
  const spans: Span[] = [];
  credentialSpans(value, spans);
  if (spans.length === 0) return value;
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let last = 0;
  for (const s of spans) {
    if (s.start < last) continue;
    out += value.slice(last, s.start) + REDACTED;
    last = s.end;
  }
  return out + value.slice(last);
}

export const connectionStringDetector: ValueDetector = {
  id: 'connection_string',
  prefilter(f: TextFeatures): boolean {
    // A bare `Bearer <token>` has a token of 16+ characters.
    return f.equals > 0 || f.colon > 0 || f.maxRun >= 16;
  },
  findSpans: credentialSpans,
  isValue(value: string): boolean {
    const spans: Span[] = [];
    credentialSpans(value, spans);
    return spans.length > 0;
  },
  mask: () => REDACTED,
};
