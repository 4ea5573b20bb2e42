import type { Identity } from './identity';
import type { Engine, TargetRef, UpstreamEndpoint } from './target';

/** A startup `database` resolved to a target and the upstream database to use there. */
export interface ResolvedTarget {
  readonly target: TargetRef;
  /** Upstream database: the part after `/`, else the target's configured database. */
  readonly database: string;
}

/**
 * Where engines learn which upstream a session goes to and with which login.
 * Implemented by the gateway from its configuration.
 */
export interface TargetDirectory {
  /** `prod` or `prod/otherdb`; throws GatewayError `unknown_target`. */
  resolve(startupDatabase: string | undefined, engine: Engine): ResolvedTarget;
  /** First login whose groups match; throws GatewayError `no_upstream_login`. */
  upstreamFor(target: TargetRef, identity: Identity, database: string): UpstreamEndpoint;
}
