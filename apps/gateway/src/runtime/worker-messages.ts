import type { PolicyReloadTrigger, SessionInfo } from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';
import type { PolicySummary } from './policy-reload';

/**
 * IPC between the cluster primary and its workers. Workers share nothing
 * else (DESIGN.md §4): the primary asks them for sessions, routes cancel
 * requests to the worker named in the key, and fans out reload and shutdown.
 */
export type PrimaryToWorker =
  | { readonly type: 'sessions.list'; readonly requestId: number }
  | {
      readonly type: 'sessions.terminate';
      readonly requestId: number;
      readonly id: string;
      readonly reason: string;
    }
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: string }
  /**
   * The answer to `config.request`: the config the primary validated and runs. A worker never
   * reads the file itself, so a file edited (or broken) since the last reload cannot make one
   * worker, restarted after a crash, run other rules than its siblings.
   */
  | { readonly type: 'config'; readonly config: GatehouseConfig }
  /** Apply this config (the one the primary just validated and applied); the reply says whether it was applied and which rules run now. */
  | {
      readonly type: 'reload';
      readonly requestId: number;
      readonly trigger: PolicyReloadTrigger;
      readonly actor: string | null;
      readonly config: GatehouseConfig;
    }
  /** The primary refused a reload: keep the rules, record the refusal in the worker's audit chain. */
  | {
      readonly type: 'reload.refused';
      readonly trigger: PolicyReloadTrigger;
      readonly actor: string | null;
      readonly error: string;
    }
  | { readonly type: 'shutdown'; readonly deadlineMs: number };

export type WorkerToPrimary =
  /** Sent first: the worker waits for the primary's `config` before it starts anything. */
  | { readonly type: 'config.request' }
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'sessions.list.reply'; readonly requestId: number; readonly sessions: SessionInfo[] }
  | { readonly type: 'sessions.terminate.reply'; readonly requestId: number; readonly ended: boolean }
  | {
      readonly type: 'reload.reply';
      readonly requestId: number;
      readonly applied: boolean;
      readonly policy: PolicySummary;
      readonly error: string | null;
    }
  /** A CancelRequest whose key belongs to another worker (hex secret). */
  | { readonly type: 'cancel'; readonly processId: number; readonly secretKey: string };

/** Environment variable carrying a worker's number (1..N); absent in a single process. */
export const WORKER_ID_ENV = 'GATEHOUSE_WORKER_ID';

export function isWorkerMessage(value: unknown): value is WorkerToPrimary {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

export function isPrimaryMessage(value: unknown): value is PrimaryToWorker {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}
