import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config';
import { deepFreeze } from '../config/deep-freeze';
import { startEngineListeners, type EngineListener } from './engine-wiring';
import { policySummary } from './policy-reload';
import { ReloadableServices } from './reloadable-services';
import { isPrimaryMessage, type WorkerToPrimary } from './worker-messages';

/** The primary answers a config request at once; a worker that hears nothing gives up. */
const CONFIG_TIMEOUT_MS = 10_000;

/**
 * One worker of the cluster: engine listeners on the shared ports (node:cluster
 * hands each connection to one worker), no control API. Runs the config the
 * primary validated and hands it (at start and at every reload), never the
 * file on disk. Answers the primary's requests and exits after a drain.
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
  let services: ReloadableServices;
  let listeners: EngineListener[];
  try {
    const config = await configFromPrimary(send);
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
    process.disconnect?.();
    setTimeout(() => process.exit(0), 200).unref();
  };

  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
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
      case 'reload': {
        const request = { trigger: message.trigger, actor: message.actor };
        const reply = (error: string | null): void =>
          send({
            type: 'reload.reply',
            requestId: message.requestId,
            applied: error === null,
            policy: policySummary(services.config()),
            error,
          });
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
        );
        break;
      }
      case 'reload.refused':
        listeners.forEach((l) =>
          l.reloadRefused?.({ trigger: message.trigger, actor: message.actor }, message.error),
        );
        break;
      case 'shutdown':
        void shutdown(message.deadlineMs);
        break;
    }
  });
  // The primary is gone: nobody can reach these sessions' control or cancel paths any more.
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => undefined); // the primary decides when workers stop
  process.on('SIGINT', () => undefined);
  send({ type: 'ready' });
}

/** Asks the primary for the config it runs, and waits for it. */
function configFromPrimary(send: (message: WorkerToPrimary) => void): Promise<GatehouseConfig> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off('message', onMessage);
      process.off('disconnect', onGone);
    };
    const onMessage = (message: unknown): void => {
      if (!isPrimaryMessage(message) || message.type !== 'config') return;
      done();
      resolve(deepFreeze(message.config));
    };
    const onGone = (): void => {
      done();
      reject(new Error('the primary went away before it sent the configuration'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('the primary did not send the configuration'));
    }, CONFIG_TIMEOUT_MS);
    process.on('message', onMessage);
    process.on('disconnect', onGone);
    send({ type: 'config.request' });
  });
}
