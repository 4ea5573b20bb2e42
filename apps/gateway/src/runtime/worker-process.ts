import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config';
import { deepFreeze } from '../config/deep-freeze';
import { startEngineListeners, type EngineListener } from './engine-wiring';
import { policySummary } from './policy-reload';
import { ReloadableServices } from './reloadable-services';
import { isPrimaryMessage, type PrimaryToWorker, type WorkerToPrimary } from './worker-messages';
import { workerStartGate } from './worker-start-gate';

/** The primary answers a config request at once; a worker that hears nothing gives up. */
const CONFIG_TIMEOUT_MS = 10_000;

/**
 * One worker of the cluster: engine listeners on the shared ports (node:cluster
 * hands each connection to one worker), no control API. Runs the config the
 * primary validated and hands it (at start and at every reload), never the
 * file on disk. Answers the primary's requests and exits after a drain.
 *
 * One listener hears the primary from the start: what arrives while the
 * worker starts (a reload, a shutdown...) waits in order and is handled,
 * reloads applied, before the worker says `ready`; nothing is dropped.
 */
export async function runWorker(
  configFile: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  workerId: number,
): Promise<void> {
  const send = (message: WorkerToPrimary): void => {
    if (process.connected) process.send?.(message);
  };
  const early: PrimaryToWorker[] = [];
  let handle: ((message: PrimaryToWorker) => Promise<void>) | null = null;
  let onConfig: ((config: GatehouseConfig) => void) | null = null;
  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    if (message.type === 'config') onConfig?.(deepFreeze(message.config));
    else if (handle) void handle(message);
    else early.push(message);
  });

  let services: ReloadableServices;
  let listeners: EngineListener[];
  try {
    const config = await configFromPrimary(send, (f) => (onConfig = f));
    onConfig = null;
    await workerStartGate(env, logger);
    services = await ReloadableServices.create(configFile, env, logger, config);
    services.forwardCancel = (processId, secretKey) =>
      send({ type: 'cancel', processId, secretKey: secretKey.toString('hex') });
    listeners = await startEngineListeners(services, workerId);
  } catch (err) {
    send({ type: 'failed', reason: (err as Error).message });
    // Exit even if something it opened keeps the loop alive: the primary forks a new one.
    process.exitCode = 1;
    process.disconnect?.();
    setTimeout(() => process.exit(1), 200).unref();
    return;
  }

  let stopping = false;
  const shutdown = async (deadlineMs: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(listeners.map((l) => l.stop(deadlineMs)));
    services.sessions.terminateAll('the gateway is shutting down');
    if (process.connected) process.disconnect?.();
    setTimeout(() => process.exit(0), 200).unref();
  };

  /** Reloads apply one at a time, in the order the primary sent them. */
  let reloads: Promise<void> = Promise.resolve();
  const reload = (message: Extract<PrimaryToWorker, { type: 'reload' }>): Promise<void> => {
    const request = { trigger: message.trigger, actor: message.actor };
    const reply = (error: string | null): void =>
      send({
        type: 'reload.reply',
        requestId: message.requestId,
        applied: error === null,
        policy: policySummary(services.config()),
        error,
      });
    reloads = reloads.then(() =>
      services.reload(deepFreeze(message.config)).then(
        ({ config }) => {
          listeners.forEach((l) => l.reload?.(config, request));
          reply(null);
        },
        (err: unknown) => {
          const reason = (err as Error).message;
          logger.error({ reason }, 'worker reload failed; keeping its config');
          listeners.forEach((l) => l.reloadRefused?.(request, reason));
          reply(reason);
        },
      ),
    );
    return reloads;
  };

  const handleMessage = async (message: PrimaryToWorker): Promise<void> => {
    switch (message.type) {
      case 'sessions.list':
        send({
          type: 'sessions.list.reply',
          requestId: message.requestId,
          sessions: services.sessions.list(),
        });
        break;
      case 'sessions.terminate':
        send({
          type: 'sessions.terminate.reply',
          requestId: message.requestId,
          ended: services.sessions.terminate(message.id, message.reason),
        });
        break;
      case 'cancel': {
        const key = Buffer.from(message.secretKey, 'hex');
        for (const l of listeners) l.cancel?.(message.processId, key);
        break;
      }
      case 'reload':
        await reload(message);
        break;
      case 'reload.refused':
        listeners.forEach((l) =>
          l.reloadRefused?.({ trigger: message.trigger, actor: message.actor }, message.error),
        );
        break;
      case 'shutdown':
        void shutdown(message.deadlineMs);
        break;
      case 'config':
        break; // only at start
    }
  };
  handle = handleMessage;
  // The primary is gone: nobody can reach these sessions' control or cancel paths any more.
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => undefined); // the primary decides when workers stop
  process.on('SIGINT', () => undefined);
  if (!process.connected) return void shutdown(0);
  // What came while starting, in order; the rules the primary runs now are applied before `ready`.
  await Promise.all(early.splice(0).map((message) => handleMessage(message)));
  send({ type: 'ready' });
}

/** Asks the primary for the config it runs, and waits for it (`listen` receives its `config` answer). */
function configFromPrimary(
  send: (message: WorkerToPrimary) => void,
  listen: (onConfig: (config: GatehouseConfig) => void) => void,
): Promise<GatehouseConfig> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      listen(() => undefined);
      process.off('disconnect', onGone);
    };
    const onGone = (): void => {
      done();
      reject(new Error('the primary went away before it sent the configuration'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('the primary did not send the configuration'));
    }, CONFIG_TIMEOUT_MS);
    listen((config) => {
      done();
      resolve(config);
    });
    process.on('disconnect', onGone);
    send({ type: 'config.request' });
  });
}
