import {
  canonicalJson,
  policyReloadedEvent,
  sha256Hex,
  type PolicyReloadedEvent,
  type PolicyReloadTrigger,
} from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';
import { policyRulesData } from '../config/policy-rules-data';

/** Who asked for a reload and how: recorded in the `policy.reloaded` audit event. */
export interface ReloadRequest {
  readonly trigger: PolicyReloadTrigger;
  /** The control API caller's subject; null for a signal. */
  readonly actor: string | null;
}

export const SIGNAL_RELOAD: ReloadRequest = Object.freeze({ trigger: 'signal', actor: null });

/** The rules of a config, as a reload reports them. */
export interface PolicySummary {
  /** Rule ids in order. */
  readonly rules: readonly string[];
  /** SHA-256 (hex) of the canonical JSON of the rules: equal digests, equal rules. */
  readonly sha256: string;
}

/** What a reload changed in the rules. */
export interface PolicyChange {
  readonly before: PolicySummary;
  readonly after: PolicySummary;
  /** Ids only in the new rules. */
  readonly added: readonly string[];
  /** Ids only in the old rules. */
  readonly removed: readonly string[];
  /** Ids in both whose rule (conditions, action, reason...) differs. */
  readonly modified: readonly string[];
  /** False when the rules are the same, order included. */
  readonly changed: boolean;
}

/** How one worker process answered a reload (cluster mode). */
export interface WorkerReload {
  readonly worker: number;
  readonly applied: boolean;
  /** Rules the worker enforces now (its previous ones when it did not apply). */
  readonly policy: PolicySummary | null;
  readonly error?: string;
}

export function policySummary(config: GatehouseConfig): PolicySummary {
  const rules = policyRulesData(config);
  return { rules: config.policy.rules.map((r) => r.id), sha256: sha256Hex(canonicalJson(rules)) };
}

export function policyChange(before: GatehouseConfig, after: GatehouseConfig): PolicyChange {
  const byId = (config: GatehouseConfig): Map<string, string> =>
    new Map(policyRulesData(config).map((r, i) => [config.policy.rules[i]!.id, canonicalJson(r)]));
  const old = byId(before);
  const next = byId(after);
  const b = policySummary(before);
  const a = policySummary(after);
  return {
    before: b,
    after: a,
    added: [...next.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !next.has(id)),
    modified: [...next.keys()].filter((id) => old.has(id) && old.get(id) !== next.get(id)),
    changed: a.sha256 !== b.sha256,
  };
}

/**
 * The `policy.reloaded` audit event of one process: `running` is the config
 * whose rules the process enforces after the attempt (the new one when
 * applied, the old one when refused).
 */
export function policyReloadRecord(
  request: ReloadRequest,
  running: GatehouseConfig,
  error: string | null,
): PolicyReloadedEvent {
  return policyReloadedEvent({
    ok: error === null,
    trigger: request.trigger,
    actor: request.actor,
    rules: running.policy.rules.length,
    policySha256: policySummary(running).sha256,
    error,
  });
}
