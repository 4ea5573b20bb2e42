import type { Logger } from 'pino';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthMethod, GatewayError, type Identity } from '@gatehouse/sql-core';
import type { IssuerConfig } from '../config';
import { readGroupsClaim } from './groups-claim';
import { describeJoseError } from './jose-errors';

/** Verifies tokens of one configured issuer. */
export class IssuerVerifier {
  readonly #config: IssuerConfig;
  readonly #key: JWTVerifyGetKey | Uint8Array;
  readonly #clockSkewSeconds: number;
  readonly #logger: Logger;

  constructor(config: IssuerConfig, key: JWTVerifyGetKey | Uint8Array, clockSkewMs: number, logger: Logger) {
    this.#config = config;
    this.#key = key;
    this.#clockSkewSeconds = Math.round(clockSkewMs / 1000);
    this.#logger = logger;
  }

  get issuer(): string {
    return this.#config.issuer;
  }

  async verify(token: string): Promise<Identity> {
    const options = {
      issuer: this.#config.issuer,
      audience: [...this.#config.audience],
      // The allow-list is what stops `alg: none` and HS256-with-a-public-key confusion.
      algorithms: [...this.#config.algorithms],
      clockTolerance: this.#clockSkewSeconds,
      // A token without exp would be valid forever; one without sub names nobody.
      requiredClaims: ['exp', 'sub'],
    };
    let payload: Record<string, unknown>;
    try {
      const result =
        typeof this.#key === 'function' ? await jwtVerify(token, this.#key, options) : await jwtVerify(token, this.#key, options);
      payload = result.payload;
    } catch (err) {
      const refusal = describeJoseError(err);
      if (refusal.infrastructure) {
        this.#logger.warn({ issuer: this.#config.issuer, error: (err as Error)?.message }, 'token verification failed on our side');
      }
      throw new GatewayError('auth_failed', refusal.message);
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 256) {
      throw new GatewayError('auth_failed', 'the token\'s "sub" claim must be a non-empty string');
    }
    return {
      subject,
      groups: readGroupsClaim(payload, this.#config.groups_claim),
      authMethod: AuthMethod.jwt,
      issuer: this.#config.issuer,
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
    };
  }
}
