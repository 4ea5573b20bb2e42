import { isDeepStrictEqual } from 'node:util';
import type { GatehouseConfig } from '../config';

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
  return changed;
}
