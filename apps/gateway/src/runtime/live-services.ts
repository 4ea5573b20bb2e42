import type {
  CredentialVerifier,
  Engine,
  Identity,
  ResolvedTarget,
  TargetDirectory,
  TargetRef,
  UpstreamEndpoint,
} from '@gatehouse/sql-core';

/**
 * Stable objects handed to engines once, whose implementation a reload swaps
 * whole. A session that already resolved its target and endpoint keeps them;
 * the next login uses the new config.
 */
export class LiveVerifier implements CredentialVerifier {
  #current: CredentialVerifier;

  constructor(initial: CredentialVerifier) {
    this.#current = initial;
  }

  swap(next: CredentialVerifier): void {
    this.#current = next;
  }

  verify(credential: string, signal?: AbortSignal): Promise<Identity> {
    return this.#current.verify(credential, signal);
  }
}

export class LiveTargetDirectory implements TargetDirectory {
  #current: TargetDirectory;

  constructor(initial: TargetDirectory) {
    this.#current = initial;
  }

  swap(next: TargetDirectory): void {
    this.#current = next;
  }

  resolve(startupDatabase: string | undefined, engine: Engine): ResolvedTarget {
    return this.#current.resolve(startupDatabase, engine);
  }

  upstreamFor(target: TargetRef, identity: Identity, database: string): UpstreamEndpoint {
    return this.#current.upstreamFor(target, identity, database);
  }
}
