import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SessionRegistry } from '@gatehouse/sql-core';
import { openApprovalsApi } from '../approvals/approvals-api';
import type { GatehouseConfig } from '../config';
import {
  buildControlApp,
  localSessionDirectory,
  type ControlExtensions,
  type SessionDirectory,
} from '../control';
import { explainRoutes } from '../control/routes/explain-routes';
import { policyReloadRoutes } from '../control/routes/policy-reload-routes';
import { createLogger } from '../logging';
import { observabilityRoutes } from '../metrics/observability-routes';
import { startEngineListeners, type EngineListener, type StartEngineListeners } from './engine-wiring';
import { createGatewayReload, type ReloadResult } from './gateway-reload';
import type { ReloadRequest } from './policy-reload';
import { ReloadableServices } from './reloadable-services';

export interface StartGatewayOptions {
  readonly configFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** Defaults to the engine wiring in engine-wiring.ts. */
  readonly startListeners?: StartEngineListeners;
  /** Where the control API finds sessions; this process's registry unless given (the cluster primary asks its workers). */
  readonly sessionDirectory?: SessionDirectory;
  /** Later control routes (approvals, audit, explain, metrics). */
  readonly controlExtensions?: ControlExtensions;
}

export type { ReloadResult } from './gateway-reload';

export interface RunningGateway {
  readonly logger: Logger;
  readonly controlAddress: AddressInfo;
  readonly sessions: SessionRegistry;
  config(): GatehouseConfig;
  /** Re-reads the config file; applies it whole, or keeps the old one and says why (SIGHUP and POST /v1/policy/reload). */
  reload(request?: ReloadRequest): Promise<ReloadResult>;
  /** Stops accepting, drains sessions up to limits.shutdown_grace, closes the control API. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts one gateway process: config, identity, targets, session registry,
 * control API, then the engine listeners. Anything that fails stops what was
 * started and throws (ConfigError for a bad config).
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ env });
  const services = await ReloadableServices.create(options.configFile, env, logger);
  const { verifier, sessions } = services;
  let config = services.config();
  let draining = false;
  let listeners: EngineListener[] | null = null;
  let stopping: Promise<void> | null = null;
  const reload = createGatewayReload({
    services,
    logger,
    listeners: () => listeners,
    stopping: () => stopping !== null,
    applied: (next) => void (config = next),
  });
  const observability = observabilityRoutes({ owner: services, config: () => config, verifier, env, logger });
  // Built-in admin routes beside any the caller adds: explain and policy reload.
  const controlExtensions: ControlExtensions = {
    ...options.controlExtensions,
    public: [...(options.controlExtensions?.public ?? []), ...observability.public],
    admin: [
      ...(options.controlExtensions?.admin ?? []),
      ...observability.admin,
      explainRoutes({ config: () => config }),
      policyReloadRoutes({ reload }),
    ],
  };

  const tls = config.control.tls;
  const approvalsApi = await openApprovalsApi(() => config, env, logger);
  const control: FastifyInstance = await buildControlApp({
    logger: logger.child({ component: 'control' }),
    state: () => ({
      verifier,
      admins: config.control.admins,
      targets: config.targets,
      readinessTimeoutMs: config.control.readiness_timeout,
      draining,
    }),
    sessions: options.sessionDirectory ?? localSessionDirectory(sessions),
    extensions: approvalsApi.withRoutes(controlExtensions),
    ...(tls ? { https: { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') } } : {}),
  });
  await control
    .listen({ host: config.control.host, port: config.control.port })
    .catch(async (err: unknown) => {
      await control.close();
      await approvalsApi.close();
      throw err;
    });
  const controlAddress = control.server.address() as AddressInfo;
  logger.info(
    { host: controlAddress.address, port: controlAddress.port, tls: tls !== null },
    'control API listening',
  );

  try {
    listeners = await (options.startListeners ?? startEngineListeners)(services);
  } catch (err) {
    await control.close();
    await approvalsApi.close();
    throw err;
  }

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      const grace = config.limits.shutdown_grace;
      logger.info(
        { graceMs: grace, sessions: sessions.size },
        'shutting down: no new connections; running statements may finish',
      );
      const running = listeners ?? [];
      const results = await Promise.allSettled(running.map((l) => l.stop(grace)));
      results.forEach((r, i) => {
        if (r.status === 'rejected')
          logger.error({ err: r.reason, listener: running[i]!.name }, 'listener did not stop cleanly');
      });
      // Whatever a listener left behind is ended now.
      sessions.terminateAll('the gateway is shutting down');
      await control.close();
      await approvalsApi.close();
      await observability.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { logger, controlAddress, sessions, config: () => config, reload, stop };
}
