import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { SessionRegistry } from '@gatehouse/sql-core';
import { ConfigError, configWarnings, loadConfig, type GatehouseConfig } from '../config';
import { buildControlApp, localSessionDirectory, type ControlExtensions } from '../control';
import { createIdentityService } from '../identity';
import { createLogger } from '../logging';
import { ConfiguredTargetDirectory } from '../targets';
import { startEngineListeners, type EngineListener, type StartEngineListeners } from './engine-wiring';
import { LiveTargetDirectory, LiveVerifier } from './live-services';
import { restartOnlyChanges } from './restart-only-changes';

export interface StartGatewayOptions {
  readonly configFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** Defaults to the engine wiring in engine-wiring.ts. */
  readonly startListeners?: StartEngineListeners;
  /** Later control routes (approvals, audit, explain, metrics). */
  readonly controlExtensions?: ControlExtensions;
}

export type ReloadResult = { readonly applied: true; readonly needsRestart: readonly string[] } | { readonly applied: false; readonly reason: string };

export interface RunningGateway {
  readonly logger: Logger;
  readonly controlAddress: AddressInfo;
  readonly sessions: SessionRegistry;
  config(): GatehouseConfig;
  /** Re-reads the config file; applies it whole, or keeps the old one and says why. */
  reload(): Promise<ReloadResult>;
  /** Stops accepting, drains sessions up to limits.shutdown_grace, closes the control API. Idempotent. */
  stop(): Promise<void>;
}

function logWarnings(logger: Logger, config: GatehouseConfig, env: NodeJS.ProcessEnv): void {
  for (const warning of configWarnings(config, env)) logger.warn({ warning }, 'configuration warning');
}

/**
 * Starts one gateway process: config, identity, targets, session registry,
 * control API, then the engine listeners. Anything that fails stops what was
 * started and throws (ConfigError for a bad config).
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ env });
  let config = loadConfig(options.configFile);
  logWarnings(logger, config, env);

  const verifier = new LiveVerifier(await createIdentityService(config.identity, { logger: logger.child({ component: 'identity' }), env }));
  const targets = new LiveTargetDirectory(new ConfiguredTargetDirectory(config.targets, { env }));
  const sessions = new SessionRegistry();
  let draining = false;

  const tls = config.control.tls;
  const control: FastifyInstance = await buildControlApp({
    logger: logger.child({ component: 'control' }),
    state: () => ({
      verifier,
      admins: config.control.admins,
      targets: config.targets,
      readinessTimeoutMs: config.control.readiness_timeout,
      draining,
    }),
    sessions: localSessionDirectory(sessions),
    ...(options.controlExtensions ? { extensions: options.controlExtensions } : {}),
    ...(tls ? { https: { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') } } : {}),
  });
  await control.listen({ host: config.control.host, port: config.control.port });
  const controlAddress = control.server.address() as AddressInfo;
  logger.info({ host: controlAddress.address, port: controlAddress.port, tls: tls !== null }, 'control API listening');

  let listeners: EngineListener[];
  try {
    listeners = await (options.startListeners ?? startEngineListeners)({ config: () => config, logger, verifier, targets, sessions });
  } catch (err) {
    await control.close();
    throw err;
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      const grace = config.limits.shutdown_grace;
      logger.info({ graceMs: grace, sessions: sessions.size }, 'shutting down: no new connections; running statements may finish');
      const results = await Promise.allSettled(listeners.map((l) => l.stop(grace)));
      results.forEach((r, i) => {
        if (r.status === 'rejected') logger.error({ err: r.reason, listener: listeners[i]!.name }, 'listener did not stop cleanly');
      });
      // Whatever a listener left behind is ended now.
      sessions.terminateAll('the gateway is shutting down');
      await control.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  const reload = async (): Promise<ReloadResult> => {
    if (stopping) return { applied: false, reason: 'the gateway is stopping' };
    try {
      const next = loadConfig(options.configFile);
      // Build everything first: nothing is swapped unless all of it could be built.
      const nextVerifier = await createIdentityService(next.identity, { logger: logger.child({ component: 'identity' }), env });
      const nextTargets = new ConfiguredTargetDirectory(next.targets, { env });
      const needsRestart = restartOnlyChanges(config, next);
      config = next;
      verifier.swap(nextVerifier);
      targets.swap(nextTargets);
      for (const listener of listeners) listener.reload?.(next);
      logWarnings(logger, next, env);
      if (needsRestart.length > 0) {
        logger.warn({ keys: needsRestart }, 'configuration reloaded; these changes take effect only after a restart');
      } else {
        logger.info('configuration reloaded');
      }
      return { applied: true, needsRestart };
    } catch (err) {
      const reason = err instanceof ConfigError ? err.message : `${(err as Error).message}`;
      logger.error({ reason }, 'configuration reload failed; keeping the running configuration');
      return { applied: false, reason };
    }
  };

  return { logger, controlAddress, sessions, config: () => config, reload, stop };
}
