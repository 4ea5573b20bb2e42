/**
 * Last-line defences for free text that enters audit events from outside
 * analysis (claimed user names, error details, analyser messages). The
 * builders apply them; they are not a licence to pass secrets in.
 */

/** JWT / JWS compact form: three base64url segments, the first a JSON header (`eyJ`). */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
/** Long opaque runs (service tokens, keys): 32+ base64/hex characters with no separator. */
const OPAQUE = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
/** `password=...` style pairs, as in connection strings. */
const SECRET_PAIR = /\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*[^\s;&,]+/gi;
/** URL credentials: `scheme://user:pass@`. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi;

export const REDACTED = '[redacted]';

/** Removes anything shaped like a credential. */
export function scrubSecrets(text: string): string {
  return text
    .replace(JWT, REDACTED)
    .replace(URL_CREDENTIALS, `$1:${REDACTED}@`)
    .replace(SECRET_PAIR, (_m, key: string) => `${key}=${REDACTED}`)
    .replace(OPAQUE, REDACTED);
}

/** Quoted runs (`'...'`, `"..."`, `` `...` ``) in analyser messages may echo literals: replaced by `?`. */
const QUOTED = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|`[^`]*`/g;

export function scrubQuoted(text: string): string {
  return scrubSecrets(text.replace(QUOTED, '?'));
}

/** Bounds a free-text field so a hostile client cannot flood the audit. */
export function clip(text: string, max = 256): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
