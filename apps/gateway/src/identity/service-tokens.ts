import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthMethod, type Identity } from '@gatehouse/sql-core';
import type { ServiceTokenConfig } from '../config';

/**
 * Service tokens are configured as SHA-256 hashes only, so the config file
 * holds nothing that logs in. Matching compares digests in constant time and
 * looks at every entry, so timing says nothing about which entry matched.
 */
export class ServiceTokens {
  readonly #entries: readonly { readonly digest: Buffer; readonly config: ServiceTokenConfig }[];

  constructor(tokens: readonly ServiceTokenConfig[]) {
    this.#entries = tokens.map((config) => ({ digest: Buffer.from(config.sha256, 'hex'), config }));
  }

  get size(): number {
    return this.#entries.length;
  }

  match(credential: string): Identity | null {
    const digest = createHash('sha256').update(credential, 'utf8').digest();
    let found: ServiceTokenConfig | null = null;
    for (const entry of this.#entries) {
      if (timingSafeEqual(digest, entry.digest) && found === null) found = entry.config;
    }
    if (found === null) return null;
    return { subject: found.name, groups: [...found.groups], authMethod: AuthMethod.serviceToken, issuer: found.name };
  }
}

/** What to put in `identity.service_tokens[].sha256` for a token. */
export function serviceTokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
