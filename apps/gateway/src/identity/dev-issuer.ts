import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * The local development issuer: an ES256 key pair kept on disk so that
 * `gatehouse token` and `gatehouse start` agree without any identity provider.
 * The private key never leaves its file (mode 0600, directory 0700).
 */

export const DEV_PRIVATE_KEY_FILE = 'private-key.jwk.json';
export const DEV_JWKS_FILE = 'jwks.json';

export interface DevIssuerKeys {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
  readonly privateKeyPath: string;
  /** Public JWKS written beside the private key; the verifier reads it. */
  readonly jwksPath: string;
}

function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

async function readPrivateKey(path: string): Promise<JWK> {
  if (process.platform !== 'win32') {
    const mode = (await stat(path)).mode & 0o777;
    // A signing key others can read lets them become anyone: refuse rather than warn.
    if ((mode & 0o077) !== 0) {
      throw new Error(`dev issuer key ${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
    }
  }
  const jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(`dev issuer key ${path} is not an ES256 (P-256) private JWK; delete it to create a new one`);
  }
  return jwk;
}

/** Creates the private key file exactly once, even when `start` and `token` race. */
async function createPrivateKey(dir: string, path: string): Promise<void> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const tmp = join(dir, `.${DEV_PRIVATE_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link() fails if the target exists, so a concurrent creator's key is never overwritten
    // and nobody ever reads a half-written file.
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function writeJwksIfChanged(dir: string, path: string, jwk: JWK): Promise<void> {
  const text = `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`;
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === text) return;
  const tmp = join(dir, `.${DEV_JWKS_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, path);
}

/** Loads the dev issuer's keys from `keyDir`, creating them on first use. */
export async function ensureDevIssuer(keyDir: string): Promise<DevIssuerKeys> {
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const privateKeyPath = join(keyDir, DEV_PRIVATE_KEY_FILE);
  const jwksPath = join(keyDir, DEV_JWKS_FILE);
  try {
    await stat(privateKeyPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await createPrivateKey(keyDir, privateKeyPath);
  }
  const privateJwk = await readPrivateKey(privateKeyPath);
  const kid = await calculateJwkThumbprint(publicPart(privateJwk));
  const publicJwk: JWK = { ...publicPart(privateJwk), kid, alg: 'ES256', use: 'sig' };
  await writeJwksIfChanged(keyDir, jwksPath, publicJwk);
  await chmod(keyDir, 0o700).catch(() => undefined);
  const privateKey = (await importJWK(privateJwk, 'ES256')) as CryptoKey;
  return { privateKey, publicJwk, kid, privateKeyPath, jwksPath };
}

export interface DevTokenClaims {
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
  readonly groups: readonly string[];
  readonly groupsClaim: string;
  readonly ttlSeconds: number;
  /** Seconds since the epoch; defaults to now. For tests of expiry. */
  readonly now?: number;
}

/** Signs a short-lived token with the dev issuer's key. */
export async function signDevToken(keys: DevIssuerKeys, claims: DevTokenClaims): Promise<string> {
  const now = claims.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ [claims.groupsClaim]: [...claims.groups] })
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.subject)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + claims.ttlSeconds)
    .setJti(randomUUID())
    .sign(keys.privateKey);
}
