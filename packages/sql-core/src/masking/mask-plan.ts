/**
 * How the results of an allowed statement are masked. Built by the masking
 * layer from the statement's facts and the identity; consumed by engines
 * through `pipeline.onResultColumns()`.
 */
export interface MaskPlan {
  /** Whether every result value must be scanned even where lineage found nothing. */
  readonly scanValues: boolean;
}
