import {
  planColumnMask,
  ValueScan,
  type MaskPlan,
  type OutputColumn,
  type ResultColumn,
} from '@gatehouse/sql-core';
import {
  columnRewrites,
  resolveColumns,
  rowFields,
  type CatalogCache,
  type ColumnRewrite,
  type ResolvedColumn,
  type RowField,
} from '@gatehouse/pg-protocol';
import { maskExample } from './mask-examples';
import type { ExplainedColumn } from './masking-report';

/**
 * The result columns of one statement as a session masks them: the same
 * resolution (RowDescription through the catalog, else the statement's
 * lineage) and the same rewrites the engine builds, with the reasons
 * masking gives. `fields` are the statement's RowDescription; the catalog
 * must already know its relations and types.
 */
export function explainColumns(
  plan: MaskPlan,
  fields: readonly RowField[],
  outputs: readonly OutputColumn[] | null,
  catalog: CatalogCache,
): ExplainedColumn[] {
  const resolved = resolveColumns(fields, outputs, catalog);
  // Text format, as Describe reports it: the engine's own decision, binary codecs aside.
  const rewrites = columnRewrites(plan, fields, null, outputs, catalog);
  return fields.map((field, i) =>
    explainColumn(plan, field, resolved[i] as ResolvedColumn, rewrites[i], catalog),
  );
}

const qualifiedSource = (s: { readonly table: string | null; readonly column: string }): string =>
  `${s.table ?? '?'}.${s.column}`;

function explainColumn(
  plan: MaskPlan,
  field: RowField,
  rc: ResolvedColumn,
  rewrite: ColumnRewrite | undefined,
  catalog: CatalogCache,
): ExplainedColumn {
  const c = rc.column;
  const rel = field.tableOid === 0 ? null : catalog.relation(field.tableOid);
  const view = rel !== null && rel !== undefined && (rel.kind === 'v' || rel.kind === 'm') ? rel : null;
  const sources =
    c.lineage === 'direct'
      ? [qualifiedSource(c)]
      : c.lineage === 'row'
        ? [`${c.sources?.[0]?.table ?? c.table ?? '?'}.*`]
        : (c.sources ?? []).map(qualifiedSource);
  const base = {
    name: field.name,
    type:
      rc.record !== null
        ? `row of ${rc.record.qualified}`
        : c.type === 'array'
          ? `array of ${c.elementType ?? 'text'}`
          : c.type,
    lineage: c.lineage,
    source: sourceWords(c, sources),
    sources,
    ...(view !== null ? { view: view.qualified } : {}),
  };
  const through = view !== null ? `column ${field.name} of view ${view.qualified} is ${base.source}; ` : '';
  if (rewrite === undefined) {
    return { ...base, masked: false, mask: null, example: null, reason: through + unmaskedReason(plan, rc) };
  }
  const reason =
    rewrite.kind === 'row' ? rowReason(plan, rc, catalog) : (planColumnMask(plan, c)?.reason ?? 'masked');
  return {
    ...base,
    masked: true,
    mask: rewrite.kind,
    example: maskExample(rewrite.kind, c, rewrite.masker),
    reason: through + reason,
  };
}

function sourceWords(c: ResultColumn, sources: readonly string[]): string {
  switch (c.lineage) {
    case 'direct':
      return sources[0] ?? 'not traced';
    case 'derived':
      return sources.length > 0
        ? `computed from ${sources.join(', ')}`
        : "computed, holding no column's value";
    case 'row':
      return `whole rows of ${sources[0]?.slice(0, -2) ?? '?'}`;
    default:
      return 'not traced';
  }
}

/**
 * A whole row (a record, or rows as JSON): which of its fields are masked and
 * what each comes from, as the engine follows it (a view's fields through
 * its definition, views over views included).
 */
function rowReason(plan: MaskPlan, rc: ResolvedColumn, catalog: CatalogCache): string {
  const masked: string[] = [];
  for (const { name, column } of rowFields(rc, catalog)) {
    const d = planColumnMask(plan, column);
    if (d === null || d.kind === 'scan') continue;
    const from =
      column.lineage === 'direct' ? [qualifiedSource(column)] : (column.sources ?? []).map(qualifiedSource);
    const traced =
      from.length > 0 && !(from.length === 1 && from[0]?.endsWith(`.${name}`))
        ? ` from ${from.join(', ')}`
        : '';
    masked.push(`${name} (${d.kind}${traced})`);
  }
  const what =
    rc.record !== null
      ? `a whole row of ${rc.record.qualified}`
      : `whole rows of ${rc.column.sources?.[0]?.table ?? '?'} as JSON`;
  return masked.length > 0
    ? `${what}: each field is masked as the column it comes from: ${masked.join(', ')}`
    : `${what}: each field is masked as the column it comes from`;
}

/** Why nothing applies to a column: the rule that passes it, its type, or the value scan setting. */
function unmaskedReason(plan: MaskPlan, rc: ResolvedColumn): string {
  const c = rc.column;
  const names =
    c.lineage === 'derived' && (c.sources?.length ?? 0) > 0
      ? "neither its name nor its sources' names mark it sensitive"
      : c.lineage === 'row'
        ? `whole rows in a ${c.type} value are not masked by key`
        : 'its name marks nothing sensitive';
  if (plan.auto === false) return 'masking.auto is off and no masking.columns rule masks it';
  if (rc.record !== null && c.lineage !== 'direct')
    return `a whole row of ${rc.record.qualified}, none of whose columns is masked`;
  const withoutNever: MaskPlan = { ...plan, rules: plan.rules.filter((r) => r.mask !== 'never') };
  const otherwise = planColumnMask(withoutNever, c);
  if (otherwise !== null && otherwise.kind !== 'scan')
    return `a masking.columns rule (mask: never) passes it unmasked (else: ${otherwise.reason})`;
  if (otherwise !== null && rc.opaque) return `${names}, and its type holds no text, so it is not scanned`;
  if (otherwise !== null) return 'a masking.columns rule (mask: never) passes it unmasked';
  if (!scannedType(plan, c)) return `${names}, and ${c.type} values are not scanned`;
  if (plan.valueScan === ValueScan.off) return `${names}, and masking.value_scan is off`;
  return `${names}, and masking.value_scan is ${plan.valueScan} (lineage is traced, so it is not scanned)`;
}

/** Whether the value scan reads values of this column's type at all (asked of masking itself, not listed here). */
function scannedType(plan: MaskPlan, c: ResultColumn): boolean {
  const anyScan: MaskPlan = { ...plan, rules: [], valueScan: ValueScan.unclassified, auto: true };
  const anonymous: ResultColumn = { ...c, table: null, column: '?column?', lineage: 'unknown', sources: [] };
  return planColumnMask(anyScan, anonymous)?.kind === 'scan';
}
