import type { StatementDataFlow } from '../analysis/data-flow';
import { bareTableName } from './column-name';
import { classifyColumn, type ColumnClassification, type ColumnInput } from './column-classifier';
import { isTextual } from './column-type';
import { createColumnMasker, createRowJsonMasker, type ColumnMasker } from './column-masker';
import { DetectorId } from './detector-id';
import { DEFAULT_MASK_OPTIONS, type MaskOptions } from './mask-options';

/** Which columns that no name marks as sensitive still have their values scanned. */
export const ValueScan = {
  /** No scanning: only classified columns are masked. */
  off: 'off',
  /** Scan columns whose lineage could not be traced (the backstop). */
  unknownLineage: 'unknown-lineage',
  /** Scan every unclassified text, JSON, array, inet and macaddr column (default: free text hides anything). */
  unclassified: 'unclassified',
} as const;
export type ValueScan = (typeof ValueScan)[keyof typeof ValueScan];

/** Masks a `masking.columns` rule may name besides the detector ids. */
const RULE_MASKS = ['never', 'redact', 'last4', 'deterministic'] as const;
export type ColumnRuleMask = (typeof RULE_MASKS)[number] | Exclude<DetectorId, 'free_text'> | 'scan';

/** Every mask name a `masking.columns` rule accepts, for the configuration loader's validation. */
export const COLUMN_RULE_MASKS: readonly ColumnRuleMask[] = [
  ...RULE_MASKS,
  'scan',
  ...(Object.values(DetectorId).filter((d) => d !== 'free_text') as Exclude<DetectorId, 'free_text'>[]),
];

/**
 * An explicit column rule from `masking.columns`: `never` passes the column
 * unmasked, `redact` hides it entirely, `last4` keeps its last four letters
 * or digits, `deterministic` pseudonymises it (keyed), `scan` replaces only
 * validated spans, a detector id masks it as that kind of value.
 */
export interface ColumnMaskRule {
  /** `schema.table` or `table`. */
  readonly table: string;
  readonly column: string;
  readonly mask: ColumnRuleMask;
}

/**
 * How the results of an allowed statement are masked. Built once per
 * configuration and identity; consumed by engines through
 * `pipeline.onResultColumns()` and `planColumnMask()`.
 */
export interface MaskPlan {
  readonly valueScan: ValueScan;
  readonly rules: readonly ColumnMaskRule[];
  readonly options: MaskOptions;
  /** False (`masking.auto: false`): only `rules` mask; no name classification, no value scan. Default true. */
  readonly auto?: boolean;
  /**
   * Set by the mask planner for the statement being answered: the lineage of each
   * statement's result columns and its data flow, in the order of the client string.
   */
  readonly statements?: readonly StatementDataFlow[];
}

/** Lineage of a result column, as analysis or the engine's metadata traced it. */
export const Lineage = {
  /** A plain reference to a table column (RowDescription table OID + attribute, MySQL org_table/org_name). */
  direct: 'direct',
  /** Computed from `sources` (expressions, aggregates, views, UNION). */
  derived: 'derived',
  /** A whole row of `sources[0].table` serialised (`row_to_json(u)`, `json_agg(u)`, `SELECT u FROM users u`). */
  row: 'row',
  /** Not traced: the value scan is the backstop. */
  unknown: 'unknown',
} as const;
export type Lineage = (typeof Lineage)[keyof typeof Lineage];

/** A result column: its own name and type, and where its values come from. */
export interface ResultColumn extends ColumnInput {
  readonly lineage: Lineage;
  /** Source columns of a derived or row column (their own table and name; the type is the result's). */
  readonly sources?: readonly { readonly table: string | null; readonly column: string }[];
  /**
   * A derived column computed by something that rewrites how values are written (`translate`,
   * `encode`, a hash, arithmetic): masked by its sources' kind, but redacted whole, since a
   * format-keeping mask would leave what the transformation moved.
   */
  readonly transformed?: boolean;
}

/** The masker of a result column and why (for `explain` and the audit's masked-columns list). */
export interface ColumnMaskDecision {
  readonly masker: ColumnMasker;
  /** The detector, or `scan` / `redact` / `last4` / `deterministic` / `row`. */
  readonly kind: DetectorId | 'scan' | 'redact' | 'last4' | 'deterministic' | 'row';
  readonly reason: string;
}

/** The default plan: every unclassified text-like column is scanned. */
export function createMaskPlan(partial: Partial<MaskPlan> = {}): MaskPlan {
  return Object.freeze({
    valueScan: partial.valueScan ?? ValueScan.unclassified,
    rules: Object.freeze([...(partial.rules ?? [])]),
    options: Object.freeze({ ...DEFAULT_MASK_OPTIONS, ...partial.options }),
    ...(partial.auto === false ? { auto: false } : {}),
    ...(partial.statements ? { statements: partial.statements } : {}),
  });
}

function sameTable(rule: string, table: string | null): boolean {
  if (table === null) return false;
  if (bareTableName(rule).toLowerCase() !== bareTableName(table).toLowerCase()) return false;
  const ruleDot = rule.lastIndexOf('.');
  const tableDot = table.lastIndexOf('.');
  if (ruleDot < 0 || tableDot < 0) return true;
  return rule.slice(0, ruleDot).toLowerCase() === table.slice(0, tableDot).toLowerCase();
}

function ruleFor(plan: MaskPlan, table: string | null, column: string): ColumnMaskRule | undefined {
  const lower = column.toLowerCase();
  return plan.rules.find((r) => r.column.toLowerCase() === lower && sameTable(r.table, table));
}

function fromRule(
  plan: MaskPlan,
  rule: ColumnMaskRule,
  column: ResultColumn,
  via: string,
): ColumnMaskDecision | null {
  const reason = `masking.columns rule for ${rule.table}.${rule.column}${via}`;
  switch (rule.mask) {
    case 'never':
      return null;
    case 'redact':
    case 'last4':
    case 'scan':
      return { masker: createColumnMasker(rule.mask, column, plan.options), kind: rule.mask, reason };
    case 'deterministic': {
      const c = classifyColumn(column);
      const options = { ...plan.options, deterministic: true };
      return {
        masker: createColumnMasker(c ?? 'deterministic', column, options),
        kind: 'deterministic',
        reason,
      };
    }
    default: {
      const c: ColumnClassification = { detector: rule.mask, confidence: 'high', reason };
      return { masker: createColumnMasker(c, column, plan.options), kind: rule.mask, reason };
    }
  }
}

/**
 * Decides how one result column is masked, or null to pass it through. Order:
 * an explicit rule for the column (or, for derived columns, for a source);
 * the classification of the column's name (direct) or of its sources' names
 * gated by the result's type (`lower(email)` is an email, `length(email)` an
 * integer that is not); whole-row JSON by the row's table; then the value
 * scan for columns nothing classified, as the plan's `valueScan` says.
 */
export function planColumnMask(plan: MaskPlan, column: ResultColumn): ColumnMaskDecision | null {
  if (plan.auto === false) return rulesOnly(plan, column);
  const sources = column.sources ?? [];
  if (column.lineage === 'direct') {
    const rule = ruleFor(plan, column.table, column.column);
    if (rule) return fromRule(plan, rule, column, '');
    const c = classifyColumn(column);
    if (c) return { masker: createColumnMasker(c, column, plan.options), kind: c.detector, reason: c.reason };
  } else if (column.lineage === 'derived') {
    for (const s of sources) {
      const rule = ruleFor(plan, s.table, s.column);
      if (rule && rule.mask !== 'never') {
        const d = fromRule(plan, rule, column, ` (via ${column.column})`);
        return d !== null && column.transformed === true && d.kind !== 'deterministic'
          ? redacted(plan, column, d)
          : d;
      }
    }
    for (const s of sources) {
      const c = classifyColumn({ ...column, table: s.table, column: s.column });
      if (c) {
        const reason = `derived from ${s.table ?? '?'}.${s.column}: ${c.reason}`;
        const d = { masker: createColumnMasker(c, column, plan.options), kind: c.detector, reason };
        return column.transformed === true ? redacted(plan, column, d) : d;
      }
    }
    const own = classifyColumn(column);
    if (own)
      return {
        masker: createColumnMasker(own, column, plan.options),
        kind: own.detector,
        reason: own.reason,
      };
  } else if (column.lineage === 'row') {
    const table = sources[0]?.table ?? column.table;
    if (column.type === 'json') {
      return {
        masker: createRowJsonMasker(table, plan.options),
        kind: 'row',
        reason: `whole rows of ${table ?? '?'} as JSON: keys classify as its columns`,
      };
    }
  } else {
    // Lineage unknown: the name the result gives the column is all there is (`... AS ssn`).
    const own = classifyColumn(column);
    if (own)
      return {
        masker: createColumnMasker(own, column, plan.options),
        kind: own.detector,
        reason: `lineage unknown; ${own.reason}`,
      };
  }
  const scan =
    plan.valueScan === ValueScan.unclassified ||
    (plan.valueScan === ValueScan.unknownLineage &&
      (column.lineage === 'unknown' || column.lineage === 'row'));
  // bytea too: a value whose bytes are text is scanned as text (see bytea-scan).
  const scannable =
    isTextual(column.type) || column.type === 'inet' || column.type === 'macaddr' || column.type === 'bytea';
  if (!scan || !scannable) return null;
  return {
    masker: createColumnMasker('scan', column, plan.options),
    kind: 'scan',
    reason:
      column.lineage === 'unknown'
        ? 'lineage unknown: values are scanned'
        : 'values are scanned for sensitive spans',
  };
}

/** `masking.auto: false`: explicit rules alone decide (a derived column by its sources' rules). */
function rulesOnly(plan: MaskPlan, column: ResultColumn): ColumnMaskDecision | null {
  if (column.lineage === 'direct') {
    const rule = ruleFor(plan, column.table, column.column);
    return rule ? fromRule(plan, rule, column, '') : null;
  }
  for (const s of column.sources ?? []) {
    const rule = ruleFor(plan, s.table, s.column);
    if (rule && rule.mask !== 'never') return fromRule(plan, rule, column, ` (via ${column.column})`);
  }
  return null;
}

/**
 * Whether values of this table column are hidden from masked identities, judged
 * by name alone (before any type is known): an explicit rule, or a name that
 * classifies as a text column would (free text aside: it is scanned, not
 * hidden). A whole row (`*`) may hold anything: it counts as sensitive.
 */
export function isSensitiveSource(plan: MaskPlan, table: string | null, column: string): boolean {
  if (column === '*') return true;
  const rule = ruleFor(plan, table, column);
  if (rule) return rule.mask !== 'never';
  if (plan.auto === false) return false;
  const c = classifyColumn({ table, column, type: 'text' });
  return c !== null && c.detector !== DetectorId.freeText && c.confidence !== 'low';
}

/** A transformed value of a masked kind: hidden whole, its type kept. */
function redacted(plan: MaskPlan, column: ResultColumn, d: ColumnMaskDecision): ColumnMaskDecision {
  return {
    masker: createColumnMasker('redact', column, plan.options),
    kind: d.kind,
    reason: `${d.reason}; transformed, so redacted whole`,
  };
}
