import { SECRET_REDACTED } from '../masks/format-masks';
import { eachMatch, trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * Password hashes in the formats password stores write: bcrypt, argon2,
 * scrypt, PBKDF2 (Django, passlib), crypt(3) MD5/SHA-256/SHA-512/yescrypt,
 * LDAP `{SSHA}`-style, PostgreSQL's `SCRAM-SHA-256$` and `md5` + 32 hex.
 * Offline cracking needs only the hash, so the whole hash is replaced by a
 * constant; never partially shown.
 */

const HASH = new RegExp(
  [
    '\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{53}',
    '\\$argon2(?:id|i|d)\\$(?:v=\\d+\\$)?m=\\d+,t=\\d+,p=\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+',
    '\\$scrypt\\$[^\\s$]+\\$[^\\s$]+\\$[^\\s$]+',
    '\\$7\\$[./A-Za-z0-9]{11,}\\$[./A-Za-z0-9]{43}',
    '(?:pbkdf2_sha(?:1|256|512)|pbkdf2-sha(?:1|256|512)|\\$pbkdf2(?:-sha(?:1|256|512))?)\\$[^\\s$]+\\$[^\\s$]+\\$[^\\s$]+',
    '\\$(?:1|5|6|md5|apr1)\\$(?:rounds=\\d+\\$)?[./A-Za-z0-9]{1,16}\\$[./A-Za-z0-9]{22,86}',
    '\\$y\\$[./A-Za-z0-9]+\\$[./A-Za-z0-9]+\\$[./A-Za-z0-9]{43}',
    '\\{(?:SSHA|SSHA256|SSHA512|SHA|SHA256|SHA512|SMD5|MD5|CRYPT|PBKDF2(?:-SHA\\d+)?|ARGON2)\\}[A-Za-z0-9+/=.$,]{8,}',
    'SCRAM-SHA-256\\$\\d+:[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+',
    'md5[0-9a-f]{32}(?![0-9a-f])',
    'sha1\\$[0-9a-zA-Z]+\\$[0-9a-f]{40}',
  ].join('|'),
  'g',
);
const WHOLE = new RegExp(`^(?:${HASH.source})$`);

export const passwordHashDetector: ValueDetector = {
  id: 'password_hash',
  prefilter(f: TextFeatures, text: string | null): boolean {
    return f.dollar >= 2 || f.brace > 0 || (f.maxRun >= 35 && (text === null || text.indexOf('md5') >= 0));
  },
  findSpans(text: string, out: Span[]): void {
    eachMatch(HASH, text, (m) => {
      const before = m.index > 0 ? text.charCodeAt(m.index - 1) : 32;
      // Inside a longer token (a hex string that happens to contain md5...) it is not a hash of its own.
      if ((before >= 48 && before <= 57) || (before >= 65 && before <= 90) || (before >= 97 && before <= 122))
        return;
      out.push({ start: m.index, end: m.index + m[0].length, detector: 'password_hash' });
    });
  },
  isValue(value: string): boolean {
    return WHOLE.test(trimValue(value));
  },
  mask: () => SECRET_REDACTED,
};
