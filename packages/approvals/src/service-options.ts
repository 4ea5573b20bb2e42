import { hostname } from 'node:os';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { ApprovalError } from './approval-error';
import type { ApprovalEventListener } from './approval-event';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  WebhookFormat,
  type NotificationSettings,
  type WebhookTarget,
} from './notify/webhook-target';

/** Defaults applied when the rule says nothing (`approvals.approvers`, `.required`, `.timeout`, `.grant_window`). */
export interface ApprovalDefaults {
  /** Groups whose members may decide. Must not be empty: nobody could approve. */
  readonly approvers: readonly string[];
  /** Distinct approvals needed; default 1. */
  readonly required?: number;
  /** How long a request waits before it expires; default 15 minutes. */
  readonly timeoutMs?: number;
  /** How long an approval may be reused by a CI retry of the same text; default 1 hour. 0 disables grants. */
  readonly grantWindowMs?: number;
}

export interface ApprovalServiceOptions {
  /** `approvals.redis`: `redis://host:port[/db]`, `rediss://` for TLS. */
  readonly redis: string;
  readonly redisOptions?: RedisOptions;
  /** Every key, channel and queue lives under it; default `gatehouse:approvals`. */
  readonly keyPrefix?: string;
  /**
   * Names this gateway instance, stable across its restarts (e.g. `host/worker-2`);
   * requests it held in a previous run are withdrawn at start. Default: the host name.
   */
  readonly instanceId?: string;
  readonly defaults: ApprovalDefaults;
  /** `approvals.webhooks`. */
  readonly webhooks?: readonly WebhookTarget[];
  readonly notifications?: Partial<NotificationSettings>;
  /** How long decided requests stay readable; default 30 days. */
  readonly retentionMs?: number;
  /** Bound on connecting (and on waiting for a connection before a command); default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /** Bound on one Redis command; default 2000 ms. */
  readonly commandTimeoutMs?: number;
  /** Safety-net re-read of waited requests; default 5000 ms. */
  readonly recheckIntervalMs?: number;
  /** Run the expiry and notification workers in this process; default true. */
  readonly runWorkers?: boolean;
  /** At start, withdraw pending requests this instance held in an earlier run; default true. */
  readonly withdrawOrphansOnStart?: boolean;
  readonly logger: Logger;
  readonly onEvent?: ApprovalEventListener;
}

export interface ResolvedOptions {
  readonly redis: string;
  readonly redisOptions: RedisOptions | undefined;
  readonly keyPrefix: string;
  readonly instanceId: string;
  readonly approvers: readonly string[];
  readonly required: number;
  readonly timeoutMs: number;
  readonly grantWindowMs: number;
  readonly webhooks: ReadonlyMap<string, WebhookTarget>;
  readonly notifications: NotificationSettings;
  readonly retentionMs: number;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly recheckIntervalMs: number;
  readonly runWorkers: boolean;
  readonly withdrawOrphansOnStart: boolean;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Longest wait a request may ask for. A statement holding a transaction open for longer is a mistake. */
export const MAX_TIMEOUT_MS = 7 * DAY;
export const MAX_REQUIRED = 20;

function invalid(message: string): ApprovalError {
  return new ApprovalError('invalid_input', message);
}

export function checkGroups(groups: unknown, key: string): readonly string[] {
  if (
    !Array.isArray(groups) ||
    groups.length === 0 ||
    !groups.every((g) => typeof g === 'string' && g.length > 0)
  ) {
    throw invalid(`${key} must list at least one group name, e.g. [dba]`);
  }
  return Object.freeze([...new Set(groups as string[])]);
}

export function checkRequired(n: unknown, key: string): number {
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_REQUIRED) {
    throw invalid(`${key} must be a whole number from 1 to ${MAX_REQUIRED}`);
  }
  return n as number;
}

export function checkTimeout(ms: unknown, key: string): number {
  if (!Number.isInteger(ms) || (ms as number) < 1 || (ms as number) > MAX_TIMEOUT_MS) {
    throw invalid(`${key} must be between 1 ms and 7 days (e.g. 15m)`);
  }
  return ms as number;
}

export function checkWindow(ms: unknown, key: string): number {
  if (!Number.isInteger(ms) || (ms as number) < 0 || (ms as number) > 30 * DAY) {
    throw invalid(`${key} must be between 0 (no grants) and 30 days (e.g. 1h)`);
  }
  return ms as number;
}

function positive(ms: number | undefined, fallback: number, key: string): number {
  const v = ms ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw invalid(`${key} must be a positive number of milliseconds`);
  return v;
}

function checkWebhooks(list: readonly WebhookTarget[]): ReadonlyMap<string, WebhookTarget> {
  const out = new Map<string, WebhookTarget>();
  list.forEach((w, i) => {
    const key = `approvals.webhooks[${i}]`;
    if (typeof w.name !== 'string' || w.name === '') throw invalid(`${key}.name must be a non-empty string`);
    if (out.has(w.name)) throw invalid(`${key}.name "${w.name}" is used twice; webhook names must be unique`);
    let url: URL;
    try {
      url = new URL(w.url);
    } catch {
      throw invalid(`${key}.url must be an absolute http(s) URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw invalid(`${key}.url must be http:// or https://`);
    if (!Object.values(WebhookFormat).includes(w.format))
      throw invalid(`${key}.format must be "json" or "slack"`);
    out.set(w.name, Object.freeze({ ...w }));
  });
  return out;
}

/** Validates and fills in defaults once, at construction. Throws `invalid_input` naming the key to fix. */
export function resolveOptions(o: ApprovalServiceOptions): ResolvedOptions {
  if (typeof o.redis !== 'string' || !/^rediss?:\/\//.test(o.redis)) {
    throw invalid('approvals.redis must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
  }
  const keyPrefix = o.keyPrefix ?? 'gatehouse:approvals';
  if (keyPrefix === '' || /[\s{}]/.test(keyPrefix))
    throw invalid('approvals key prefix must be non-empty, without spaces or braces');
  const n = { ...DEFAULT_NOTIFICATION_SETTINGS, ...o.notifications };
  return Object.freeze({
    redis: o.redis,
    redisOptions: o.redisOptions,
    keyPrefix,
    instanceId: o.instanceId ?? hostname(),
    approvers: checkGroups(o.defaults.approvers, 'approvals.approvers'),
    required: checkRequired(o.defaults.required ?? 1, 'approvals.required'),
    timeoutMs: checkTimeout(o.defaults.timeoutMs ?? 15 * MINUTE, 'approvals.timeout'),
    grantWindowMs: checkWindow(o.defaults.grantWindowMs ?? 60 * MINUTE, 'approvals.grant_window'),
    webhooks: checkWebhooks(o.webhooks ?? []),
    notifications: Object.freeze({
      ...n,
      attempts: positive(n.attempts, 5, 'approvals.notifications.attempts'),
      backoffMs: positive(n.backoffMs, 1000, 'approvals.notifications.backoff'),
      timeoutMs: positive(n.timeoutMs, 5000, 'approvals.notifications.timeout'),
    }),
    retentionMs: positive(o.retentionMs, 30 * DAY, 'approvals.retention'),
    connectTimeoutMs: positive(o.connectTimeoutMs, 2000, 'approvals.connect_timeout'),
    commandTimeoutMs: positive(o.commandTimeoutMs, 2000, 'approvals.command_timeout'),
    recheckIntervalMs: positive(o.recheckIntervalMs, 5000, 'approvals.recheck_interval'),
    runWorkers: o.runWorkers ?? true,
    withdrawOrphansOnStart: o.withdrawOrphansOnStart ?? true,
  });
}
