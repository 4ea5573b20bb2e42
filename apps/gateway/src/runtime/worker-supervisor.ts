import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { SessionInfo } from '@gatehouse/sql-core';
import { CancelKeyRegistry } from '@gatehouse/pg-protocol';
import type { GatehouseConfig } from '../config';
import type { SessionDirectory } from '../control';
import type { EngineListener } from './engine-wiring';
import { policySummary, SIGNAL_RELOAD, type ReloadRequest, type WorkerReload } from './policy-reload';
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

/** One worker number's current process, and which config it runs. */
interface Slot {
  readonly worker: Worker;
  /** It said `ready`: its listeners serve and it handles every request. */
  ready: boolean;
  /** The config it was handed at start or has applied since (identity: the primary's objects). */
  runs: GatehouseConfig | null;
  /** The reload bringing it to `config`, shared by whoever waits for it. */
  reloading: { readonly config: GatehouseConfig; readonly answer: Promise<WorkerReload | null> } | null;
}

/**
 * The cluster primary's view of its workers: forks them, restarts a worker
 * that dies, gathers and ends sessions across them for the control API,
 * routes a CancelRequest to the worker named in its key, and fans out reload
 * and shutdown. It is the primary's only "engine listener".
 */
export class WorkerSupervisor implements SessionDirectory {
  readonly #count: number;
  readonly #logger: Logger;
  readonly #workers = new Map<number, Slot>();
  readonly #pending = new Map<
    number,
    { workerId: number; resolve: (reply: WorkerToPrimary | null) => void }
  >();
  /** Called with a worker number each time one says `ready`. */
  readonly #readyWatchers = new Set<(workerId: number) => void>();
  #nextRequest = 1;
  #stopping = false;
  /** Who asked for the latest reload: a worker brought up to date late records it as theirs. */
  #lastRequest: ReloadRequest = SIGNAL_RELOAD;
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
   * worker that is (re)starting counts once it is ready and runs `config`:
   * handed it at start, or sent it when it says ready with an older one. A
   * worker that does not get there in time is reported as not applied.
   */
  async reload(request: ReloadRequest, config: GatehouseConfig): Promise<WorkerReload[]> {
    this.#lastRequest = request;
    return Promise.all([...this.#workers.keys()].map((id) => this.#reloadOne(id, request, config)));
  }

  async #reloadOne(workerId: number, request: ReloadRequest, config: GatehouseConfig): Promise<WorkerReload> {
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    for (;;) {
      const slot = this.#workers.get(workerId);
      if (slot?.ready && slot.worker.isConnected()) {
        if (slot.runs === config) return { worker: workerId, applied: true, policy: policySummary(config) };
        const answer = await this.#bringUpToDate(workerId, slot, request, config);
        if (answer) return answer; // null: it died before answering; its successor is handed `config`
      }
      if (this.#stopping || !(await this.#nextReady(workerId, deadline - Date.now())))
        return { worker: workerId, applied: false, policy: null, error: 'the worker did not answer' };
    }
  }

  /** Sends `config` to a ready worker (once per config); null when the worker died before answering. */
  #bringUpToDate(
    workerId: number,
    slot: Slot,
    request: ReloadRequest,
    config: GatehouseConfig,
  ): Promise<WorkerReload | null> {
    if (slot.reloading?.config === config) return slot.reloading.answer;
    const answer = this.#ask(
      workerId,
      (requestId) => ({ type: 'reload', requestId, ...request, config }),
      RELOAD_TIMEOUT_MS,
    ).then((reply): WorkerReload | null => {
      if (slot.reloading?.config === config) slot.reloading = null;
      if (reply?.type !== 'reload.reply') {
        if (slot.worker.isDead()) return null;
        return { worker: workerId, applied: false, policy: null, error: 'the worker did not answer' };
      }
      if (reply.applied) slot.runs = config;
      return {
        worker: workerId,
        applied: reply.applied,
        policy: reply.policy,
        ...(reply.error !== null ? { error: reply.error } : {}),
      };
    });
    slot.reloading = { config, answer };
    return answer;
  }

  /** True when worker `workerId` says ready within `ms`. */
  #nextReady(workerId: number, ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const watch = (id: number): void => {
        if (id !== workerId) return;
        clearTimeout(timer);
        this.#readyWatchers.delete(watch);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#readyWatchers.delete(watch);
        resolve(false);
      }, ms);
      this.#readyWatchers.add(watch);
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
      ({ worker: w }) =>
        new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    this.#broadcast({ type: 'shutdown', deadlineMs });
    const killAt = setTimeout(() => {
      for (const { worker: w } of this.#workers.values()) if (!w.isDead()) w.kill('SIGKILL');
    }, deadlineMs + 5000);
    await Promise.all(exits);
    clearTimeout(killAt);
  }

  #fork(workerId: number): Promise<void> {
    const worker = cluster.fork({ [WORKER_ID_ENV]: String(workerId) });
    const slot: Slot = { worker, ready: false, runs: null, reloading: null };
    this.#workers.set(workerId, slot);
    worker.on('message', (message: unknown) => this.#onMessage(workerId, message));
    return new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if (!isWorkerMessage(message)) return;
        if (message.type === 'ready') {
          worker.off('message', onMessage);
          this.#onReady(workerId, slot);
          resolve();
        } else if (message.type === 'failed') {
          worker.off('message', onMessage);
          reject(new Error(`worker ${workerId} could not start: ${message.reason}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', (code, signal) => {
        const started = slot.ready;
        slot.ready = false;
        // Nothing it was asked will be answered now.
        for (const [requestId, p] of this.#pending)
          if (p.workerId === workerId && this.#workers.get(workerId) === slot) {
            this.#pending.delete(requestId);
            p.resolve(null);
          }
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

  /**
   * A worker serves: a reload broadcast after it was handed its config (it
   * was not sent one while starting) is sent now, and a shutdown too.
   */
  #onReady(workerId: number, slot: Slot): void {
    slot.ready = true;
    if (this.#stopping) {
      this.#send(workerId, { type: 'shutdown', deadlineMs: 0 });
      return;
    }
    const current = this.#config?.();
    if (current && slot.runs !== current)
      void this.#bringUpToDate(workerId, slot, this.#lastRequest, current).then((answer) => {
        if (answer && !answer.applied)
          this.#logger.error(
            { workerId, error: answer.error },
            'a restarted worker did not apply the running rules',
          );
      });
    for (const watch of [...this.#readyWatchers]) watch(workerId);
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
      const slot = this.#workers.get(fromWorker);
      if (config && slot) slot.runs = config;
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
      const pending = this.#pending.get(message.requestId);
      if (pending?.workerId === fromWorker) {
        this.#pending.delete(message.requestId);
        pending.resolve(message);
      }
    }
  }

  /** Asks every ready worker (one still starting has no sessions); the answers that came. */
  async #askAll(build: (requestId: number) => PrimaryToWorker): Promise<WorkerToPrimary[]> {
    const ready = [...this.#workers].filter(([, slot]) => slot.ready).map(([id]) => id);
    const replies = await Promise.all(ready.map((id) => this.#ask(id, build, REPLY_TIMEOUT_MS)));
    return replies.filter((r): r is WorkerToPrimary => r !== null);
  }

  /** One worker's answer; null when it cannot be sent, the worker exits, or `timeoutMs` passes. */
  #ask(
    workerId: number,
    build: (requestId: number) => PrimaryToWorker,
    timeoutMs: number,
  ): Promise<WorkerToPrimary | null> {
    const requestId = this.#nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        this.#logger.warn({ workerId }, 'worker did not answer in time');
        resolve(null);
      }, timeoutMs);
      this.#pending.set(requestId, {
        workerId,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
      });
      if (!this.#send(workerId, build(requestId))) {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        resolve(null);
      }
    });
  }

  #broadcast(message: PrimaryToWorker): void {
    for (const workerId of this.#workers.keys()) this.#send(workerId, message);
  }

  #send(workerId: number, message: PrimaryToWorker): boolean {
    const worker = this.#workers.get(workerId)?.worker;
    if (!worker || worker.isDead() || !worker.isConnected()) return false;
    worker.send(message);
    return true;
  }
}
