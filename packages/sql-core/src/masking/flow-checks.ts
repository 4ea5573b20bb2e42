import type { SourceColumn, StatementDataFlow, StoredFlow } from '../analysis/data-flow';
import { isSensitiveSource, type MaskPlan } from './mask-plan';

/**
 * Side channels a masked identity could read masked values through, and (in
 * strict mode) oracles that reveal them without showing them. Each check
 * names the columns and the construct, never a value.
 */

/** Rule ids of masking denials, as they appear in the client's error and the audit. */
export const MaskingRuleId = {
  sideChannel: 'masking-side-channel',
  writeBack: 'masking-write-back',
  copy: 'masking-copy',
  strict: 'masking-strict',
} as const;
export type MaskingRuleId = (typeof MaskingRuleId)[keyof typeof MaskingRuleId];

export interface FlowDenial {
  readonly ruleId: MaskingRuleId;
  readonly reason: string;
}

/** Functions that hand a value to someone other than the caller's result (a listener, a setting others read). */
const SIDE_CHANNELS: ReadonlySet<string> = new Set([
  'pg_notify',
  'set_config',
  'pg_logical_emit_message',
  'dblink',
  'dblink_exec',
  'dblink_send_query',
]);
/** A masked placeholder: three asterisks in a row (`***-**-6789`, `j***@example.com`, `********`). */
const PLACEHOLDER = /\*\*\*/;

function name(s: SourceColumn): string {
  return s.column === '*'
    ? `whole rows of ${s.table ?? 'a query'}`
    : `${s.table === null ? '' : `${s.table}.`}${s.column}`;
}

function baseName(fn: string): string {
  const dot = fn.lastIndexOf('.');
  return dot < 0 ? fn : fn.slice(dot + 1);
}

function destination(store: StoredFlow): string {
  if (store.table === null) return 'a server file or program';
  return store.column === null || store.column === '*' ? store.table : `${store.table}.${store.column}`;
}

function checkStore(plan: MaskPlan, store: StoredFlow): FlowDenial | null {
  if (store.literals.some((l) => PLACEHOLDER.test(l))) {
    return {
      ruleId: MaskingRuleId.writeBack,
      reason: `the value written to ${destination(store)} looks like a masked value (***); masked values cannot be written back`,
    };
  }
  const sensitive = store.sources.filter((s) => isSensitiveSource(plan, s.table, s.column));
  if (sensitive.length === 0) return null;
  // CREATE TABLE AS SELECT *: columns keep their names, so the copy is masked as the original is.
  if (
    store.column === '*' &&
    store.table !== null &&
    sensitive.every((s) => s.column === '*' && s.table !== null)
  )
    return null;
  if (
    store.table !== null &&
    store.column !== null &&
    store.column !== '*' &&
    isSensitiveSource(plan, store.table, store.column)
  ) {
    return null;
  }
  return {
    ruleId: MaskingRuleId.copy,
    reason: `copying ${sensitive.map(name).join(', ')} into ${destination(store)} would store masked values where they are not masked`,
  };
}

function checkStrict(plan: MaskPlan, flow: StatementDataFlow): FlowDenial | null {
  if (flow.sleeps) {
    return { ruleId: MaskingRuleId.strict, reason: 'strict masking: sleep functions are timing oracles' };
  }
  for (const use of flow.uses) {
    const plain = use.clause === 'output' || use.clause === 'assignment';
    if (plain && use.oracle === undefined) continue;
    if (!isSensitiveSource(plan, use.source.table, use.source.column)) continue;
    const where =
      use.oracle !== undefined
        ? `a ${use.oracle}${use.detail ? ` (${use.detail})` : ''}`
        : `a ${use.clause} clause`;
    return {
      ruleId: MaskingRuleId.strict,
      reason: `strict masking: ${name(use.source)} is used in ${where}, which can reveal masked values`,
    };
  }
  return null;
}

/**
 * The first reason to deny this statement to a masked identity, or null.
 * `strict`: the identity is in `masking.strict_groups`.
 */
export function checkDataFlow(plan: MaskPlan, flow: StatementDataFlow, strict: boolean): FlowDenial | null {
  for (const call of flow.calls) {
    if (!SIDE_CHANNELS.has(baseName(call.name))) continue;
    const sensitive = call.sources.filter((s) => isSensitiveSource(plan, s.table, s.column));
    if (sensitive.length > 0) {
      return {
        ruleId: MaskingRuleId.sideChannel,
        reason: `${baseName(call.name)} would pass ${sensitive.map(name).join(', ')} on unmasked`,
      };
    }
  }
  for (const store of flow.stores) {
    const denial = checkStore(plan, store);
    if (denial !== null) return denial;
  }
  return strict ? checkStrict(plan, flow) : null;
}

/** Whether a statement reads a column whose values are masked (its errors may quote them). */
export function touchesSensitive(plan: MaskPlan, flow: StatementDataFlow): boolean {
  if (flow.outputs?.some((o) => o.star !== undefined)) return true;
  return flow.uses.some((u) => isSensitiveSource(plan, u.source.table, u.source.column));
}
