import type { SourceColumn } from '../analysis/data-flow';
import { redactedValue, type ColumnMasker } from './column-masker';
import { JsonMasker, type JsonValueMasks } from './json-masker';
import { planColumnMask, type ColumnMaskDecision, type MaskPlan, type ResultColumn } from './mask-plan';

/**
 * Whole rows as JSON (`row_to_json(v)`, `json_agg(v)`, `to_jsonb(v)`) masked
 * key by key by what each key's column is computed from: a view's `handle`
 * that is `users.name` two views down is masked as a name, though its own
 * name marks nothing. The engine says what each key comes from (a view's
 * definition, followed through the views it reads); a key it cannot trace
 * is classified by its own name, as the row's table's column, as before.
 */

/** What a key of a serialised row comes from. */
export interface RowKeyLineage {
  readonly sources: readonly SourceColumn[];
  /** Computed by something that rewrites how values are written (or from several columns): redacted whole. */
  readonly transformed?: boolean;
}

/** The lineage of a key of the serialised rows (a column of the row's relation); null: not traced. */
export type RowKeys = (key: string) => RowKeyLineage | null;

/** Keys whose masks are kept per result; past it the cache starts afresh (keys come from the values). */
const MAX_KEYS = 1024;

/**
 * The mask of a whole-row JSON column (lineage `row`, type json) with
 * per-key lineage; any other column, or `masking.auto: false`, is planned
 * as planColumnMask plans it.
 */
export function planRowJsonMask(
  plan: MaskPlan,
  column: ResultColumn,
  keys: RowKeys,
): ColumnMaskDecision | null {
  if (column.lineage !== 'row' || column.type !== 'json' || plan.auto === false)
    return planColumnMask(plan, column);
  const table = column.sources?.[0]?.table ?? column.table;
  const json = new JsonMasker(plan.options);
  const cache = new Map<string, JsonValueMasks | null>();
  const keyMasks = (key: string): JsonValueMasks | null => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit ?? null;
    if (cache.size >= MAX_KEYS) cache.clear();
    const masks = masksOf(plan, key, keys(key));
    cache.set(key, masks);
    return masks;
  };
  const fallback = redactedValue('json', plan.options) ?? '';
  const masker: ColumnMasker = (v) => {
    try {
      return json.mask(v, null, table, keyMasks);
    } catch {
      // Fail closed: a mask that throws hides the value.
      return fallback;
    }
  };
  return {
    masker,
    kind: 'row',
    reason: `whole rows of ${table ?? '?'} as JSON: each key masked as the column it comes from`,
  };
}

/** A key's masks by its sources, per JSON value kind; null when none classifies (the key's own name decides). */
function masksOf(plan: MaskPlan, key: string, lineage: RowKeyLineage | null): JsonValueMasks | null {
  if (lineage === null || lineage.sources.length === 0) return null;
  const at = (type: 'text' | 'integer' | 'float'): ColumnMasker | null => {
    const d = planColumnMask(plan, {
      table: null,
      column: key,
      type,
      lineage: 'derived',
      sources: lineage.sources,
      ...(lineage.transformed === true ? { transformed: true } : {}),
    });
    // The value scan is what an untraced key gets anyway.
    return d === null || d.kind === 'scan' ? null : d.masker;
  };
  const masks = { strings: at('text'), integers: at('integer'), floats: at('float') };
  return masks.strings === null && masks.integers === null && masks.floats === null ? null : masks;
}
