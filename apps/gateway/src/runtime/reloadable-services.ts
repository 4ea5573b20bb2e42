import type { Logger } from 'pino';
import { SessionRegistry } from '@gatehouse/sql-core';
import { configWarnings, loadConfig, type GatehouseConfig } from '../config';
import { createIdentityService } from '../identity';
import { ConfiguredTargetDirectory } from '../targets';
import type { GatewayServices } from './engine-wiring';
import { LiveTargetDirectory, LiveVerifier } from './live-services';
import { restartOnlyChanges } from './restart-only-changes';

/**
 * The config and what is built from it (identity, targets), as one unit that
 * a reload replaces whole: the next config is loaded and everything built
 * from it before anything is swapped. Used by the single process, the
 * cluster primary and each worker alike.
 */
export class ReloadableServices implements GatewayServices {
  readonly logger: Logger;
  readonly verifier: LiveVerifier;
  readonly targets: LiveTargetDirectory;
  readonly sessions = new SessionRegistry();
  forwardCancel?: (processId: number, secretKey: Buffer) => void;
  readonly #configFile: string;
  readonly #env: NodeJS.ProcessEnv;
  #config: GatehouseConfig;

  private constructor(
    configFile: string,
    env: NodeJS.ProcessEnv,
    logger: Logger,
    config: GatehouseConfig,
    verifier: LiveVerifier,
  ) {
    this.#configFile = configFile;
    this.#env = env;
    this.logger = logger;
    this.#config = config;
    this.verifier = verifier;
    this.targets = new LiveTargetDirectory(new ConfiguredTargetDirectory(config.targets, { env }));
  }

  /**
   * Loads and validates the config file (throws ConfigError when it is
   * invalid), or uses `config`, already validated (a cluster worker is given
   * its primary's).
   */
  static async create(
    configFile: string,
    env: NodeJS.ProcessEnv,
    logger: Logger,
    config: GatehouseConfig = loadConfig(configFile),
  ): Promise<ReloadableServices> {
    const verifier = new LiveVerifier(
      await createIdentityService(config.identity, { logger: logger.child({ component: 'identity' }), env }),
    );
    const services = new ReloadableServices(configFile, env, logger, config, verifier);
    services.logWarnings();
    return services;
  }

  config(): GatehouseConfig {
    return this.#config;
  }

  /**
   * Re-reads the config file (or takes `next`, already validated) and swaps it
   * in whole; throws (keeping the running config) when anything about the new
   * one is wrong. Returns the keys whose change needs a restart.
   */
  async reload(
    next: GatehouseConfig = loadConfig(this.#configFile),
  ): Promise<{ config: GatehouseConfig; needsRestart: readonly string[] }> {
    const nextVerifier = await createIdentityService(next.identity, {
      logger: this.logger.child({ component: 'identity' }),
      env: this.#env,
    });
    const nextTargets = new ConfiguredTargetDirectory(next.targets, { env: this.#env });
    const needsRestart = restartOnlyChanges(this.#config, next);
    this.#config = next;
    this.verifier.swap(nextVerifier);
    this.targets.swap(nextTargets);
    this.logWarnings();
    return { config: next, needsRestart };
  }

  logWarnings(): void {
    for (const warning of configWarnings(this.#config, this.#env))
      this.logger.warn({ warning }, 'configuration warning');
  }
}
