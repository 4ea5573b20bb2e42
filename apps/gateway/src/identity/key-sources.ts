import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
import { httpsJwksFetch } from './jwks-fetch';

function parseJwks(text: string, file: string): JSONWebKeySet {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  if (!data || typeof data !== 'object' || !Array.isArray((data as { keys?: unknown }).keys)) {
    throw new Error(`${file} is not a JWKS: expected an object with a "keys" list`);
  }
  const keys = (data as JSONWebKeySet).keys;
  // Only public keys belong in a verification JWKS; a private key here means a leaked secret.
  if (keys.some((k) => 'd' in k || k.kty === 'oct')) throw new Error(`${file} holds private or symmetric keys; publish only public keys`);
  return data as JSONWebKeySet;
}

/**
 * Keys from a JWKS file. Read at start (a bad file stops the gateway); re-read
 * when a token names a key it does not hold and the file changed since, so a
 * rotated key is picked up without a restart.
 */
export function fileKeySource(file: string, logger: Logger): JWTVerifyGetKey {
  let stamp = statStamp(file);
  let keys = createLocalJWKSet(parseJwks(readFileSync(file, 'utf8'), file));

  return async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      const now = statStamp(file);
      if (now === stamp) throw err;
      try {
        keys = createLocalJWKSet(parseJwks(await readFile(file, 'utf8'), file));
        stamp = now;
        logger.info({ file }, 'JWKS file changed; keys reloaded');
      } catch (reloadErr) {
        // Keep the keys we had: a half-written file must not lock everyone out.
        logger.warn({ file, err: reloadErr }, 'JWKS file changed but could not be read; keeping the previous keys');
        throw err;
      }
      return keys(header, token);
    }
  };
}

function statStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

export interface RemoteJwksTiming {
  /** Minimum time between refetches triggered by an unknown kid, ms (default 30 s). */
  readonly cooldownMs?: number;
  /** How long fetched keys are trusted before a refetch, ms (default 10 min). */
  readonly cacheMaxAgeMs?: number;
}

/**
 * Keys from the issuer's HTTPS endpoint, cached by jose (10 minutes; an unknown
 * kid triggers a refetch at most every 30 s, which is how rotation is seen).
 */
export function remoteKeySource(url: string, ca: string | null, timing: RemoteJwksTiming = {}): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: 5000,
    cooldownDuration: timing.cooldownMs ?? 30_000,
    cacheMaxAge: timing.cacheMaxAgeMs ?? 600_000,
    [customFetch]: httpsJwksFetch(ca),
  });
}
