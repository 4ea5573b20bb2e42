import type { Logger } from 'pino';
import { ConfigError, type GatehouseConfig } from '../config';
import type { EngineListener } from './engine-wiring';
import {
  policyChange,
  SIGNAL_RELOAD,
  type PolicyChange,
  type ReloadRequest,
  type WorkerReload,
} from './policy-reload';
import type { ReloadableServices } from './reloadable-services';

export type ReloadResult =
  | {
      readonly applied: true;
      /** Keys whose change takes effect only after a restart. */
      readonly needsRestart: readonly string[];
      /** The rules before and after, and which ids were added, removed or modified. */
      readonly policy: PolicyChange;
      /** Cluster mode: how each worker answered (empty in a single process). */
      readonly workers: readonly WorkerReload[];
    }
  | {
      readonly applied: false;
      readonly reason: string;
      /** Every problem with the file, one line each (empty when the refusal is not about the file). */
      readonly issues: readonly string[];
    };

export interface GatewayReloadDeps {
  readonly services: ReloadableServices;
  readonly logger: Logger;
  /** The engine listeners, or null while they are starting. */
  readonly listeners: () => readonly EngineListener[] | null;
  readonly stopping: () => boolean;
  /** Called with the new config once it is swapped in, before the listeners hear of it. */
  readonly applied: (config: GatehouseConfig) => void;
}

/**
 * The one reload behind SIGHUP and POST /v1/policy/reload: re-reads the
 * config file and swaps it whole, or keeps the running one and says why.
 * Reloads run one at a time, so "before" and "after" are never interleaved.
 * Every process that enforces statements records `policy.reloaded` in its
 * own audit chain (a refusal too), via its listener.
 */
export function createGatewayReload(
  deps: GatewayReloadDeps,
): (request?: ReloadRequest) => Promise<ReloadResult> {
  let queue: Promise<unknown> = Promise.resolve();
  return (request = SIGNAL_RELOAD) => {
    const run = queue.then(() => reloadOnce(deps, request));
    queue = run.catch(() => undefined);
    return run;
  };
}

async function reloadOnce(deps: GatewayReloadDeps, request: ReloadRequest): Promise<ReloadResult> {
  const { services, logger } = deps;
  const refused = (reason: string, issues: readonly string[]): ReloadResult => ({
    applied: false,
    reason,
    issues,
  });
  if (deps.stopping()) return refused('the gateway is stopping', []);
  const listeners = deps.listeners();
  if (listeners === null) return refused('the gateway is still starting; try again in a moment', []);

  const before = services.config();
  let next: GatehouseConfig;
  let needsRestart: readonly string[];
  try {
    ({ config: next, needsRestart } = await services.reload());
  } catch (err) {
    const reason = err instanceof ConfigError ? err.message : (err as Error).message;
    const issues = err instanceof ConfigError ? err.issues : [reason];
    logger.error(
      { reason, trigger: request.trigger, actor: request.actor },
      'configuration reload failed; keeping the running configuration',
    );
    for (const l of listeners) l.reloadRefused?.(request, reason);
    return refused(reason, issues);
  }
  deps.applied(next);
  const answers = await Promise.all(listeners.map((l) => l.reload?.(next, request)));
  const workers = answers.flatMap((a) => a ?? []);
  const policy = policyChange(before, next);
  const log = {
    trigger: request.trigger,
    actor: request.actor,
    rules: policy.after.rules.length,
    policySha256: policy.after.sha256,
  };
  const lagging = workers.filter((w) => !w.applied || w.policy?.sha256 !== policy.after.sha256);
  if (lagging.length > 0)
    logger.error(
      { ...log, workers: lagging },
      'configuration reloaded, but not every worker enforces the new rules',
    );
  if (needsRestart.length > 0) {
    logger.warn(
      { ...log, keys: needsRestart },
      'configuration reloaded; these changes take effect only after a restart',
    );
  } else {
    logger.info(log, 'configuration reloaded');
  }
  return { applied: true, needsRestart, policy, workers };
}
