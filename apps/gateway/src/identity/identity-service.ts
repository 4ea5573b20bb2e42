import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { decodeJwt, type JWTVerifyGetKey } from 'jose';
import { GatewayError, type CredentialVerifier, type Identity } from '@gatehouse/sql-core';
import type { IdentityConfig, IssuerConfig } from '../config';
import { ensureDevIssuer } from './dev-issuer';
import { IssuerVerifier } from './issuer-verifier';
import { fileKeySource, remoteKeySource, type RemoteJwksTiming } from './key-sources';
import { ServiceTokens } from './service-tokens';

/** Longer than any real JWT; bounds the work an unauthenticated client can cause. */
const MAX_CREDENTIAL_LENGTH = 16 * 1024;
/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
const MIN_HMAC_SECRET_BYTES = 32;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface IdentityServiceOptions {
  readonly logger: Logger;
  /** Where secret_env values are read from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Remote JWKS cache tuning; the defaults suit production (tests shorten the cooldown). */
  readonly remoteJwks?: RemoteJwksTiming;
}

/**
 * The gateway's CredentialVerifier: a service token (by hash) or a JWT from a
 * configured issuer. Every refusal is GatewayError('auth_failed') whose message
 * never contains the credential.
 */
export class IdentityService implements CredentialVerifier {
  readonly #issuers: ReadonlyMap<string, IssuerVerifier>;
  readonly #serviceTokens: ServiceTokens;

  constructor(issuers: readonly IssuerVerifier[], serviceTokens: ServiceTokens) {
    this.#issuers = new Map(issuers.map((i) => [i.issuer, i]));
    this.#serviceTokens = serviceTokens;
  }

  async verify(credential: string, signal?: AbortSignal): Promise<Identity> {
    signal?.throwIfAborted();
    if (typeof credential !== 'string' || credential.length === 0) {
      throw new GatewayError('auth_failed', 'no credential was given: send a token as the password');
    }
    if (credential.length > MAX_CREDENTIAL_LENGTH) throw new GatewayError('auth_failed', 'the credential is too long');

    const service = this.#serviceTokens.match(credential);
    if (service) return service;

    if (!JWT_SHAPE.test(credential)) {
      throw new GatewayError('auth_failed', 'the credential is neither a token from a trusted issuer nor a known service token');
    }
    let issuer: unknown;
    try {
      issuer = decodeJwt(credential).iss;
    } catch {
      throw new GatewayError('auth_failed', 'the token is malformed');
    }
    // The unverified `iss` only picks which issuer's keys to try; that issuer then verifies everything.
    const verifier = typeof issuer === 'string' ? this.#issuers.get(issuer) : undefined;
    if (!verifier) throw new GatewayError('auth_failed', 'the token was issued by an issuer that is not trusted');
    const identity = await verifier.verify(credential);
    signal?.throwIfAborted();
    return identity;
  }
}

async function keyFor(issuer: IssuerConfig, options: IdentityServiceOptions, logger: Logger): Promise<JWTVerifyGetKey | Uint8Array> {
  if (issuer.dev) {
    const keys = await ensureDevIssuer(issuer.key_dir!);
    return fileKeySource(keys.jwksPath, logger);
  }
  if (issuer.secret_env !== null) {
    const secret = (options.env ?? process.env)[issuer.secret_env];
    if (secret === undefined || secret === '') {
      throw new Error(`issuer ${issuer.issuer}: environment variable ${issuer.secret_env} (its HMAC secret) is not set`);
    }
    if (Buffer.byteLength(secret, 'utf8') < MIN_HMAC_SECRET_BYTES) {
      throw new Error(`issuer ${issuer.issuer}: the secret in ${issuer.secret_env} is shorter than ${MIN_HMAC_SECRET_BYTES} bytes`);
    }
    return new TextEncoder().encode(secret);
  }
  const jwks = issuer.jwks!;
  if (jwks.kind === 'file') return fileKeySource(jwks.path, logger);
  return remoteKeySource(jwks.url, jwks.ca === null ? null : readFileSync(jwks.ca, 'utf8'), options.remoteJwks);
}

/**
 * Builds the verifier from validated config: creates the dev issuer's keys if
 * missing, reads JWKS files and HMAC secrets now, so a broken setup stops the
 * gateway at start rather than failing every login later.
 */
export async function createIdentityService(config: IdentityConfig, options: IdentityServiceOptions): Promise<IdentityService> {
  const issuers: IssuerVerifier[] = [];
  for (const issuer of config.issuers) {
    const log = options.logger.child({ issuer: issuer.issuer });
    issuers.push(new IssuerVerifier(issuer, await keyFor(issuer, options, log), config.clock_skew, log));
  }
  return new IdentityService(issuers, new ServiceTokens(config.service_tokens));
}
