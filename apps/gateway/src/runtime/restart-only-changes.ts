import { isDeepStrictEqual } from 'node:util';
import type { ApprovalsConfig, GatehouseConfig } from '../config';

/**
 * Keys a running process does not apply: its sockets are already bound, its
 * workers forked, and its engines built with these settings. A reload applies
 * everything else and names these, so an operator never believes a change
 * (such as turning allow_plaintext_loopback off) is live when it is not.
 */
export function restartOnlyChanges(current: GatehouseConfig, next: GatehouseConfig): string[] {
  const changed: string[] = [];
  if (current.workers !== next.workers) changed.push('workers');
  if (!isDeepStrictEqual(current.listeners, next.listeners)) changed.push('listeners');
  for (const key of ['host', 'port', 'tls'] as const) {
    if (!isDeepStrictEqual(current.control[key], next.control[key])) changed.push(`control.${key}`);
  }
  if (current.identity.allow_plaintext_loopback !== next.identity.allow_plaintext_loopback) {
    changed.push('identity.allow_plaintext_loopback');
  }
  // The audit file and its copies are opened once per process.
  if (!isDeepStrictEqual(current.audit, next.audit)) changed.push('audit');
  for (const key of ['max_message_size', 'auth_timeout', 'connect_timeout'] as const) {
    if (current.limits[key] !== next.limits[key]) changed.push(`limits.${key}`);
  }
  changed.push(...approvalsRestartChanges(current.approvals, next.approvals));
  return changed;
}

/**
 * The approval services (their Redis connections, key prefix, queues and
 * webhooks) are opened once per process. What a new request takes (approvers,
 * required, timeout, grant_window) is read from the running config each time.
 */
const APPROVALS_AT_START = [
  'redis',
  'key_prefix',
  'webhooks',
  'notifications',
  'retention',
  'connect_timeout',
  'command_timeout',
  'recheck_interval',
] as const satisfies readonly (keyof ApprovalsConfig)[];

function approvalsRestartChanges(current: ApprovalsConfig | null, next: ApprovalsConfig | null): string[] {
  // Added or removed: the process keeps the approvals it started with (none, or the old ones).
  if (current === null || next === null) return current === next ? [] : ['approvals'];
  return APPROVALS_AT_START.filter((key) => !isDeepStrictEqual(current[key], next[key])).map(
    (key) => `approvals.${key}`,
  );
}
