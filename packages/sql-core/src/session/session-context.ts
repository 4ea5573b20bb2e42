import type { Logger } from 'pino';
import type { Identity } from '../identity/identity';
import type { TargetRef } from '../identity/target';

/** What every part of the pipeline knows about the session a statement belongs to. */
export interface SessionContext {
  readonly id: string;
  readonly identity: Identity;
  readonly target: TargetRef;
  /** Upstream database name. */
  readonly database: string;
  /** `host:port` of the client as seen by the gateway. */
  readonly clientAddress: string;
  /** The user name the client sent; recorded, never trusted. */
  readonly clientUser: string;
  readonly tls: boolean;
  readonly logger: Logger;
}
