import type { Logger } from 'pino';
import type { CredentialVerifier, SessionRegistry, TargetDirectory } from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';
import { openPipelineParts } from './pipeline-parts';
import { policyReloadRecord, SIGNAL_RELOAD, type ReloadRequest, type WorkerReload } from './policy-reload';
import { startPostgresListener } from './postgres-listener';
import { compileConfiguredPolicy, createStatementPipeline } from './statement-pipeline';

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
  /** In a cluster worker: hands a CancelRequest for another worker's session to the primary. */
  readonly forwardCancel?: (processId: number, secretKey: Buffer) => void;
}

/** A running engine listener as the gateway's lifecycle sees it. */
export interface EngineListener {
  readonly name: string;
  /** Stop accepting; running statements may finish until deadlineMs; then sessions are closed. */
  stop(deadlineMs: number): Promise<void>;
  /**
   * Called after a reload was applied: swap whatever the listener built from
   * config (the policy, ...) and record `policy.reloaded`. A cluster's
   * listener resolves with how each worker answered.
   */
  reload?(config: GatehouseConfig, request?: ReloadRequest): void | Promise<readonly WorkerReload[]>;
  /** Called when a reload was refused (the running config stays): record `policy.reloaded` with ok false. */
  reloadRefused?(request: ReloadRequest, error: string): void;
  /** Cancels the session owning this gateway-issued key, if this listener holds it. */
  cancel?(processId: number, secretKey: Buffer): boolean;
}

/** `workerId`: 0 in a single process, 1..N in cluster workers (encoded in cancel keys). */
export type StartEngineListeners = (
  services: GatewayServices,
  workerId?: number,
) => Promise<EngineListener[]>;

/**
 * Starts every configured engine listener of this process on one shared
 * pipeline. A reload swaps the compiled policy whole; a policy that does not
 * compile was already refused by the reload (see gateway.ts).
 */
export const startEngineListeners: StartEngineListeners = async (services, workerId = 0) => {
  const config = services.config();
  const parts = await openPipelineParts(services, workerId);
  const started: EngineListener[] = [];
  try {
    const pipeline = await createStatementPipeline(
      config,
      services.logger.child({ component: 'pipeline' }),
      parts,
    );
    for (const listener of config.listeners) {
      if (listener.engine !== 'postgres') throw new Error(`engine ${listener.engine} is not available yet`);
      started.push(await startPostgresListener(listener, services, pipeline, workerId));
    }
    // One entry for the process: stops every engine, then closes the parts (the audit last of all).
    return [
      {
        name: started.map((l) => l.name).join(', '),
        stop: async (deadlineMs) => {
          await Promise.all(started.map((l) => l.stop(deadlineMs)));
          await parts.close();
        },
        reload: (c: GatehouseConfig, request = SIGNAL_RELOAD) => {
          pipeline.setPolicy(compileConfiguredPolicy(c));
          // In this process's own chain, between the last statement judged by the old rules and the first judged by the new.
          parts.audit.note(policyReloadRecord(request, c, null));
        },
        reloadRefused: (request, error) =>
          parts.audit.note(policyReloadRecord(request, services.config(), error)),
        cancel: (processId, secretKey) => started.some((l) => l.cancel?.(processId, secretKey) ?? false),
      },
    ];
  } catch (err) {
    await Promise.all(started.map((l) => l.stop(0)));
    await parts.close();
    throw err;
  }
};
