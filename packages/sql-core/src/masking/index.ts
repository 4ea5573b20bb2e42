/**
 * Masking: which result values are sensitive, and how they are hidden while
 * keeping their type and format. Pure code, no I/O.
 *
 * Per result set (once per column):
 *   const decision = planColumnMask(plan, { table, column, type, lineage, sources });
 *   // or, lower level:
 *   const c = classifyColumn({ table, column, ...columnShapeOfPgType(oid, typmod) });
 *   const masker = createColumnMasker(c ?? 'scan', shape, plan.options);
 * Per cell (non-null values only; NULL stays NULL):
 *   const out = masker(text); if (out === text) forward the original bytes.
 * Free text outside result sets (notices, errors): `maskText(text)`,
 * `scanText(text)` for the spans alone.
 */
export { Confidence } from './name-rules';
export { DetectorId } from './detector-id';
export {
  TypeCategory,
  columnShapeOf,
  columnShapeOfMysqlType,
  columnShapeOfPgType,
  type ColumnShape,
} from './column-type';
export {
  classifyColumn,
  scanExclusions,
  type ColumnClassification,
  type ColumnInput,
} from './column-classifier';
export {
  createColumnMasker,
  createRowJsonMasker,
  redactedValue,
  type ColumnMasker,
  type MaskHow,
  type MaskedColumn,
} from './column-masker';
export { planRowJsonMask, type RowKeyLineage, type RowKeys } from './row-json-keys';
export { maskText, scanText, type ScanOptions, type Span } from './text-scanner';
export { DEFAULT_MASK_OPTIONS, type MaskOptions } from './mask-options';
export { BYTE_MASK_GROWTH, type ByteMask } from './masks/byte-masks';
export type { PseudonymKey } from './masks/deterministic';
export {
  COLUMN_RULE_MASKS,
  Lineage,
  ValueScan,
  createMaskPlan,
  isSensitiveSource,
  planColumnMask,
  type ColumnMaskDecision,
  type ColumnMaskRule,
  type ColumnRuleMask,
  type MaskPlan,
  type ResultColumn,
} from './mask-plan';
export { MaskingRuleId, checkDataFlow, touchesSensitive, type FlowDenial } from './flow-checks';
