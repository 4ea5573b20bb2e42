import { hostname } from 'node:os';
import type { ApprovalEventListener, ApprovalServiceOptions, WebhookTarget } from '@gatehouse/approvals';
import type { Logger } from 'pino';
import type { ApprovalsConfig, GatehouseConfig } from '../config';

/** Which process a service belongs to: an engine process (0 single, 1..N workers) or the control API. */
export type ApprovalRole = { readonly worker: number } | 'control';

/**
 * Stable across restarts of the same process, distinct between processes: the
 * host, the first listener's port (two gateways on one host are two
 * deployments) and the role. A restarted process withdraws the requests its
 * earlier run held under the same id.
 */
export function approvalInstanceId(config: GatehouseConfig, role: ApprovalRole): string {
  const port = config.listeners[0]?.port ?? config.control.port;
  return `${hostname()}:${port}/${role === 'control' ? 'control' : `w${role.worker}`}`;
}

export interface ApprovalServiceSettings {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly instanceId: string;
  /**
   * An engine process holds statements and runs the expiry and webhook
   * workers, and withdraws its earlier run's requests at start; the control
   * API's service does neither.
   */
  readonly engineProcess: boolean;
  readonly onEvent?: ApprovalEventListener;
}

/**
 * Webhooks with their secrets (url_env, headers_env) read from the
 * environment. One whose variable is unset is left out with a warning:
 * notifications are best effort and must not stop the gateway.
 */
export function webhookTargets(
  config: ApprovalsConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): WebhookTarget[] {
  const out: WebhookTarget[] = [];
  for (const w of config.webhooks) {
    const url = w.url ?? (w.url_env ? env[w.url_env] : undefined);
    if (!url) {
      logger.warn(
        { webhook: w.name, env: w.url_env },
        'approval webhook left out: its URL environment variable is not set',
      );
      continue;
    }
    const headers: Record<string, string> = {};
    const missing = Object.entries(w.headers_env).filter(([header, name]) => {
      const value = env[name];
      if (value !== undefined) headers[header] = value;
      return value === undefined;
    });
    if (missing.length > 0) {
      logger.warn(
        { webhook: w.name, env: missing.map(([, name]) => name) },
        'approval webhook left out: a header environment variable is not set',
      );
      continue;
    }
    out.push({
      name: w.name,
      url,
      format: w.format,
      ...(w.events ? { events: w.events } : {}),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
    });
  }
  return out;
}

/** The approvals section as ApprovalService options. */
export function approvalServiceOptions(
  config: ApprovalsConfig,
  settings: ApprovalServiceSettings,
): ApprovalServiceOptions {
  return {
    redis: config.redis,
    keyPrefix: config.key_prefix,
    instanceId: settings.instanceId,
    defaults: {
      approvers: config.approvers,
      required: config.required,
      timeoutMs: config.timeout,
      grantWindowMs: config.grant_window,
    },
    webhooks: webhookTargets(config, settings.env, settings.logger),
    notifications: {
      attempts: config.notifications.attempts,
      backoffMs: config.notifications.backoff,
      timeoutMs: config.notifications.timeout,
      ...(config.notifications.control_url ? { controlUrl: config.notifications.control_url } : {}),
    },
    retentionMs: config.retention,
    connectTimeoutMs: config.connect_timeout,
    commandTimeoutMs: config.command_timeout,
    recheckIntervalMs: config.recheck_interval,
    runWorkers: settings.engineProcess,
    withdrawOrphansOnStart: settings.engineProcess,
    logger: settings.logger,
    ...(settings.onEvent ? { onEvent: settings.onEvent } : {}),
  };
}
