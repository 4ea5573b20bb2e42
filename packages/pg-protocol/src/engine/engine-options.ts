import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { CredentialVerifier, Pipeline, SessionRegistry, TargetDirectory } from '@gatehouse/sql-core';

/** What the gateway gives the PostgreSQL engine. */
export interface PostgresEngineOptions {
  readonly host: string;
  readonly port: number;
  /** Certificate for client TLS; without it SSLRequest is answered 'N'. */
  readonly tls?: SecureContext;
  readonly verifier: CredentialVerifier;
  readonly targets: TargetDirectory;
  readonly pipeline: Pipeline;
  readonly sessions: SessionRegistry;
  readonly logger: Logger;
  /** Accept a cleartext credential without TLS from loopback clients. */
  readonly allowPlaintextLoopback: boolean;
  /** Largest message accepted from either side, in bytes. */
  readonly maxMessageSize: number;
  /** Bound on the whole client handshake (startup, TLS, credential). */
  readonly handshakeTimeoutMs: number;
  /** Bound on dialling and logging into the upstream. */
  readonly connectTimeoutMs: number;
  /** This process's worker number (0 when single-process), encoded in cancel keys. */
  readonly workerId?: number;
}
