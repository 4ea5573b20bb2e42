import { hasKnownKeyPrefix, maskApiKey } from '../detectors/api-key';
import { maskCredentials } from '../detectors/connection-string';
import { looksRandom } from '../detectors/generic-secret';
import { jwtDetector, maskJwt } from '../detectors/jwt';
import { maskPrivateKey, privateKeyDetector } from '../detectors/private-key';
import { trimValue } from '../detectors/value-detector';
import { SECRET_REDACTED } from './format-masks';

/**
 * The mask of a value in a secret-named column, by what the value turns out
 * to be: a PEM key keeps its BEGIN/END lines, a JWT its header, a known API
 * key its issuer prefix and last four characters, a URL everything but its
 * password; anything else is replaced by a constant.
 */
export function maskSecretValue(value: string): string {
  const v = trimValue(value);
  if (v.length === 0) return value;
  if (v.startsWith('-----BEGIN ')) return privateKeyDetector.isValue(v) ? maskPrivateKey(v) : SECRET_REDACTED;
  if (v.startsWith('eyJ') && jwtDetector.isValue(v)) return maskJwt(v);
  if (hasKnownKeyPrefix(v)) return maskApiKey(v);
  if (v.includes('://')) {
    const masked = maskCredentials(v);
    if (masked !== v) return masked;
  }
  return SECRET_REDACTED;
}

/** Whether a value in an ambiguously named column (`key`) is a secret: it has a secret's shape or looks random. */
export function looksLikeSecret(value: string): boolean {
  const v = trimValue(value);
  return (
    looksRandom(v, true) ||
    hasKnownKeyPrefix(v) ||
    (v.startsWith('eyJ') && jwtDetector.isValue(v)) ||
    (v.startsWith('-----BEGIN ') && privateKeyDetector.isValue(v))
  );
}
