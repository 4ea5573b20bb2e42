import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { SessionInfo } from '@gatehouse/sql-core';
import { CancelKeyRegistry } from '@gatehouse/pg-protocol';
import type { GatehouseConfig } from '../config';
import type { SessionDirectory } from '../control';
import type { EngineListener } from './engine-wiring';
import { SIGNAL_RELOAD, type ReloadRequest, type WorkerReload } from './policy-reload';
import {
  isWorkerMessage,
  WORKER_ID_ENV,
  type PrimaryToWorker,
  type WorkerToPrimary,
} from './worker-messages';

/** How long the primary waits for a worker's answer before leaving it out. */
const REPLY_TIMEOUT_MS = 3000;
/** A reload re-reads the file and may fetch JWKS documents: give workers longer to answer. */
const RELOAD_TIMEOUT_MS = 15000;
/** A worker that dies is forked again after this pause (so a crash loop does not spin). */
const RESPAWN_DELAY_MS = 1000;
/** A restart that fails is tried again, the pause doubling each time up to this. */
const MAX_RESPAWN_DELAY_MS = 30_000;

/**
 * The cluster primary's view of its workers: forks them, restarts a worker
 * that dies, gathers and ends sessions across them for the control API,
 * routes a CancelRequest to the worker named in its key, and fans out reload
 * and shutdown. It is the primary's only "engine listener".
 */
export class WorkerSupervisor implements SessionDirectory {
  readonly #count: number;
  readonly #logger: Logger;
  readonly #workers = new Map<number, Worker>();
  readonly #pending = new Map<number, (reply: WorkerToPrimary) => void>();
  #nextRequest = 1;
  #stopping = false;
  /** The config the primary validated and runs: what every worker, forked now or later, is given. */
  #config: (() => GatehouseConfig) | null = null;

  constructor(count: number, logger: Logger) {
    if (count < 1 || count >= 1 << CancelKeyRegistry.workerBits)
      throw new RangeError(`cannot run ${count} workers`);
    this.#count = count;
    this.#logger = logger;
  }

  /**
   * Forks every worker and waits until each listens; stops them all and
   * throws if one cannot start. `services.config()` is the primary's running
   * config: workers (and workers restarted later) are handed it, never the file.
   */
  async start(services: { config(): GatehouseConfig }): Promise<EngineListener> {
    this.#config = () => services.config();
    try {
      await Promise.all(Array.from({ length: this.#count }, (_, i) => this.#fork(i + 1)));
    } catch (err) {
      await this.stop(0);
      throw err;
    }
    this.#logger.info({ workers: this.#count }, 'workers ready');
    return {
      name: `${this.#count} workers`,
      stop: (deadlineMs) => this.stop(deadlineMs),
      reload: (config, request = SIGNAL_RELOAD) => this.reload(request, config),
      reloadRefused: (request, error) => this.#broadcast({ type: 'reload.refused', ...request, error }),
    };
  }

  /**
   * Every worker applies `config`, which the primary has validated and
   * applied (or keeps its rules and says why); resolves with each answer. A
   * worker that does not answer in time is reported as not applied.
   */
  async reload(request: ReloadRequest, config: GatehouseConfig): Promise<WorkerReload[]> {
    const asked = [...this.#workers.keys()];
    const replies = new Map<number, WorkerToPrimary>();
    await this.#askAll(
      (requestId) => ({ type: 'reload', requestId, ...request, config }),
      RELOAD_TIMEOUT_MS,
      (workerId, reply) => replies.set(workerId, reply),
    );
    return asked.map((worker): WorkerReload => {
      const reply = replies.get(worker);
      if (reply?.type !== 'reload.reply')
        return { worker, applied: false, policy: null, error: 'the worker did not answer' };
      return {
        worker,
        applied: reply.applied,
        policy: reply.policy,
        ...(reply.error !== null ? { error: reply.error } : {}),
      };
    });
  }

  async list(): Promise<SessionInfo[]> {
    const replies = await this.#askAll((requestId) => ({ type: 'sessions.list', requestId }));
    return replies.flatMap((r) => (r.type === 'sessions.list.reply' ? r.sessions : []));
  }

  async terminate(id: string, reason: string): Promise<boolean> {
    const replies = await this.#askAll((requestId) => ({
      type: 'sessions.terminate',
      requestId,
      id,
      reason,
    }));
    return replies.some((r) => r.type === 'sessions.terminate.reply' && r.ended);
  }

  /** Workers drain (running statements finish up to the deadline), then exit; stragglers are killed. */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    const exits = [...this.#workers.values()].map(
      (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    this.#broadcast({ type: 'shutdown', deadlineMs });
    const killAt = setTimeout(() => {
      for (const w of this.#workers.values()) if (!w.isDead()) w.kill('SIGKILL');
    }, deadlineMs + 5000);
    await Promise.all(exits);
    clearTimeout(killAt);
  }

  #fork(workerId: number): Promise<void> {
    const worker = cluster.fork({ [WORKER_ID_ENV]: String(workerId) });
    this.#workers.set(workerId, worker);
    worker.on('message', (message: unknown) => this.#onMessage(workerId, message));
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const onMessage = (message: unknown): void => {
        if (!isWorkerMessage(message)) return;
        if (message.type === 'ready') {
          started = true;
          worker.off('message', onMessage);
          resolve();
        } else if (message.type === 'failed') {
          worker.off('message', onMessage);
          reject(new Error(`worker ${workerId} could not start: ${message.reason}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', (code, signal) => {
        if (!started) {
          reject(new Error(`worker ${workerId} exited during startup (${signal ?? code})`));
          return;
        }
        if (this.#stopping) return;
        this.#logger.error({ workerId, code, signal }, 'worker died; starting a new one');
        this.#respawn(workerId, RESPAWN_DELAY_MS);
      });
    });
  }

  /** Forks the worker again after `delayMs`; a restart that fails is retried, never given up. */
  #respawn(workerId: number, delayMs: number): void {
    setTimeout(() => {
      if (this.#stopping) return;
      this.#fork(workerId).catch((err: unknown) => {
        const next = Math.min(delayMs * 2, MAX_RESPAWN_DELAY_MS);
        this.#logger.error({ err, workerId, retryInMs: next }, 'worker restart failed; trying again');
        this.#respawn(workerId, next);
      });
    }, delayMs).unref();
  }

  #onMessage(fromWorker: number, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'config.request') {
      const config = this.#config?.();
      if (config) this.#send(fromWorker, { type: 'config', config });
      return;
    }
    if (message.type === 'cancel') {
      // Route by the worker number the key carries; a key naming no live worker cancels nothing.
      const owner = CancelKeyRegistry.workerOf(message.processId);
      if (owner !== fromWorker)
        this.#send(owner, { type: 'cancel', processId: message.processId, secretKey: message.secretKey });
      return;
    }
    if ('requestId' in message) {
      const resolve = this.#pending.get(message.requestId);
      if (resolve) {
        this.#pending.delete(message.requestId);
        resolve(message);
      }
    }
  }

  #askAll(
    build: (requestId: number) => PrimaryToWorker,
    timeoutMs = REPLY_TIMEOUT_MS,
    onReply?: (workerId: number, reply: WorkerToPrimary) => void,
  ): Promise<WorkerToPrimary[]> {
    const asks = [...this.#workers.keys()].map((workerId) => {
      const requestId = this.#nextRequest++;
      return new Promise<WorkerToPrimary | null>((resolve) => {
        const timer = setTimeout(() => {
          this.#pending.delete(requestId);
          this.#logger.warn({ workerId }, 'worker did not answer in time');
          resolve(null);
        }, timeoutMs);
        this.#pending.set(requestId, (reply) => {
          clearTimeout(timer);
          onReply?.(workerId, reply);
          resolve(reply);
        });
        if (!this.#send(workerId, build(requestId))) {
          clearTimeout(timer);
          this.#pending.delete(requestId);
          resolve(null);
        }
      });
    });
    return Promise.all(asks).then((replies) => replies.filter((r): r is WorkerToPrimary => r !== null));
  }

  #broadcast(message: PrimaryToWorker): void {
    for (const workerId of this.#workers.keys()) this.#send(workerId, message);
  }

  #send(workerId: number, message: PrimaryToWorker): boolean {
    const worker = this.#workers.get(workerId);
    if (!worker || worker.isDead() || !worker.isConnected()) return false;
    worker.send(message);
    return true;
  }
}
