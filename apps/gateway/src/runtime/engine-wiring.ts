import type { Logger } from 'pino';
import type { CredentialVerifier, SessionRegistry, TargetDirectory } from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';

/** What the gateway gives the engine listeners. */
export interface GatewayServices {
  /** The current config; a reload replaces it whole. */
  config(): GatehouseConfig;
  readonly logger: Logger;
  /** Stable across reloads (the implementation behind it is swapped): pass it to engines as is. */
  readonly verifier: CredentialVerifier;
  /** Stable across reloads, like verifier. */
  readonly targets: TargetDirectory;
  /** This process's live sessions; the control API lists and terminates them. */
  readonly sessions: SessionRegistry;
}

/** A running engine listener as the gateway's lifecycle sees it. */
export interface EngineListener {
  readonly name: string;
  /** Stop accepting; running statements may finish until deadlineMs; then sessions are closed. */
  stop(deadlineMs: number): Promise<void>;
  /** Called after a reload was applied: swap whatever the listener built from config (the policy, ...). */
  reload?(config: GatehouseConfig): void;
}

export type StartEngineListeners = (services: GatewayServices) => Promise<EngineListener[]>;

// ─────────────────────────────────────────────────────────────────────────────
// ENGINE WIRING: the lead engineer starts the PostgreSQL listener(s) here.
//
// For each `services.config().listeners` entry with engine `postgres`: build a
// Pipeline (analysers + compiled policy from config.policy), create a
// PostgresEngine from @gatehouse/pg-protocol with
//   { host, port, tls: SecureContext from listener.tls (cert/key are file paths),
//     verifier: services.verifier, targets: services.targets, pipeline,
//     sessions: services.sessions, logger: services.logger.child({ listener }),
//     allowPlaintextLoopback: config.identity.allow_plaintext_loopback,
//     maxMessageSize: config.limits.max_message_size,
//     handshakeTimeoutMs: config.limits.auth_timeout,
//     connectTimeoutMs: config.limits.connect_timeout }
// await engine.listen(), and return { name, stop: (ms) => engine.stop(ms),
// reload: (c) => pipeline.setPolicy(compile(c.policy)) }.
// If a listener fails to start, throw: startGateway closes what was started.
// ─────────────────────────────────────────────────────────────────────────────
export const startEngineListeners: StartEngineListeners = async (services) => {
  services.logger.warn('no engine listener is wired yet: only the control API is running');
  return [];
};
