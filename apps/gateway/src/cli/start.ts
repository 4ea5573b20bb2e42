import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, type GatehouseConfig } from '../config';
import { createLogger } from '../logging';
import { startGateway, type RunningGateway, type StartGatewayOptions } from '../runtime';
import { runWorker } from '../runtime/worker-process';
import { WorkerSupervisor } from '../runtime/worker-supervisor';
import { WORKER_ID_ENV } from '../runtime/worker-messages';
import { ExitCode, type CliIo } from './cli-io';
import { findConfigFile, noConfigMessage } from './config-path';
import { parseCommandArgs } from './parse';

export const START_USAGE = `usage: gatehouse start [--config FILE]

Runs the gateway until SIGTERM or SIGINT. SIGHUP reloads the config file:
applied whole when valid, otherwise the running config stays and the log says why.
Logs are JSON lines on stdout; GATEHOUSE_LOG_LEVEL sets the level (default info).
`;

/**
 * `gatehouse start [--config FILE]`. The lifecycle (config, logger, identity,
 * targets, sessions, control API, listeners, reload, drain) lives in
 * runtime/gateway.ts; the engine listeners are started in
 * runtime/engine-wiring.ts (the marked ENGINE WIRING point).
 */
export async function startCommand(
  args: readonly string[],
  io: CliIo,
  overrides: Partial<Pick<StartGatewayOptions, 'logger' | 'startListeners' | 'controlExtensions'>> = {},
): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    START_USAGE,
    io,
  );
  if (!parsed) return ExitCode.usage;
  if (parsed.values.help) {
    io.stdout(START_USAGE);
    return ExitCode.ok;
  }
  const file = findConfigFile(parsed.values.config, io.env, io.cwd);
  if (!file) {
    io.stderr(noConfigMessage(io.cwd));
    return ExitCode.failed;
  }

  const logger = overrides.logger ?? createLogger({ env: io.env });
  if (cluster.isWorker) {
    const workerId = Number(io.env[WORKER_ID_ENV]);
    await runWorker(file, io.env, logger.child({ worker: workerId }), workerId);
    return ExitCode.ok;
  }

  let gateway: RunningGateway;
  try {
    const workers = io.canFork ? workerCount(loadConfig(file)) : 1;
    if (workers > 1) {
      // Primary: the control API here, engine listeners in the workers (DESIGN.md §4).
      const supervisor = new WorkerSupervisor(workers, logger.child({ component: 'cluster' }));
      gateway = await startGateway({
        configFile: file,
        env: io.env,
        ...overrides,
        logger,
        startListeners: async (services) => [await supervisor.start(services)],
        sessionDirectory: supervisor,
      });
    } else {
      gateway = await startGateway({ configFile: file, env: io.env, ...overrides, logger });
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
    } else {
      io.stderr(`gatehouse could not start: ${(err as Error).message}\n`);
    }
    return ExitCode.failed;
  }

  await new Promise<void>((resolve) => {
    const unsubscribe: (() => void)[] = [];
    const shutdown = (signal: string) => () => {
      gateway.logger.info({ signal }, 'stop requested');
      unsubscribe.forEach((u) => u());
      gateway.stop().then(resolve, (err: unknown) => {
        gateway.logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    unsubscribe.push(io.onSignal('SIGTERM', shutdown('SIGTERM')));
    unsubscribe.push(io.onSignal('SIGINT', shutdown('SIGINT')));
    unsubscribe.push(
      io.onSignal('SIGHUP', () => {
        gateway.logger.info({ signal: 'SIGHUP' }, 'reload requested');
        void gateway.reload();
      }),
    );
  });
  return ExitCode.ok;
}

/** `workers: auto` is one per core. */
function workerCount(config: GatehouseConfig): number {
  return config.workers === 'auto' ? availableParallelism() : config.workers;
}
