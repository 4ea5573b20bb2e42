import { GatewayError, type MaskPlan, type OutputColumn, type UpstreamEndpoint } from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import type { CatalogCache } from './catalog-cache';
import { columnRewrites, UnmaskableResult, type ColumnRewrite } from './column-maskers';
import { isBuiltInType } from './result-columns';
import { RowMasker } from './row-masker';

/**
 * Builds the row masks of a result from its description, the statement's
 * lineage and the plan, once the catalog knows the result's tables and
 * types: until then the answer is a promise (the catalog is being asked),
 * and the caller holds the upstream. Null: nothing in the result is masked.
 */
export class RowMasks {
  readonly #catalog: CatalogCache;
  readonly #endpoint: UpstreamEndpoint;

  constructor(catalog: CatalogCache, endpoint: UpstreamEndpoint) {
    this.#catalog = catalog;
    this.#endpoint = endpoint;
  }

  /** True while the catalog is not asked (a recent failure): results are masked from lineage alone. */
  get catalogUnavailable(): boolean {
    return this.#catalog.unavailable;
  }

  /** The result columns of a statement, described through the catalog connection. */
  describe(sql: string, parameterTypes: readonly number[]): Promise<RowField[] | null> {
    return this.#catalog.describe(sql, parameterTypes, this.#endpoint);
  }

  /** The row masks of a result, once the catalog knows its columns (a promise while it is asked). */
  build(
    plan: MaskPlan,
    fields: RowField[],
    formats: readonly number[] | null,
    outputs: readonly OutputColumn[] | null,
  ): RowMasker | null | Promise<void> {
    const missing = this.#catalog.missing(fields, isBuiltInType, outputs);
    const unknown = missing.relations.length + missing.types.length + missing.names.length;
    if (unknown > 0 && !this.#catalog.unavailable) {
      return this.#catalog
        .resolve(missing.relations, missing.types, this.#endpoint, missing.names)
        .catch(() => undefined);
    }
    return this.#rewrites(plan, fields, formats, outputs);
  }

  /** No description to be had: every column is of unknown type and lineage (scanned; binary cannot be). */
  blind(plan: MaskPlan, columns: number, formats: readonly number[] | null): RowMasker | null {
    const fields: RowField[] = Array.from({ length: columns }, (_, i) => ({
      name: '?column?',
      tableOid: 0,
      columnAttr: 0,
      typeOid: 0,
      typeSize: -1,
      typeModifier: -1,
      format: formats === null ? 0 : ((formats.length === 1 ? formats[0] : formats[i]) ?? 0),
    }));
    return this.#rewrites(plan, fields, null, null);
  }

  /**
   * At a Bind asking for binary results of a statement described before:
   * the row masks when they can be built now (undefined when the catalog
   * must be asked first: they are built when the rows come). Throws
   * UnmaskableResult when a masked column's binary format cannot be
   * rewritten, so the Bind is refused before anything runs.
   */
  forBind(
    plan: MaskPlan,
    fields: RowField[],
    formats: readonly number[],
    outputs: readonly OutputColumn[] | null,
  ): RowMasker | null | undefined {
    const missing = this.#catalog.missing(fields, isBuiltInType, outputs);
    if (missing.relations.length > 0 || missing.names.length > 0) return undefined;
    const rewrites = columnRewrites(plan, fields, formats, outputs, this.#catalog);
    return rewrites.some((r) => r !== undefined) ? new RowMasker(rewrites) : null;
  }

  #rewrites(
    plan: MaskPlan,
    fields: RowField[],
    formats: readonly number[] | null,
    outputs: readonly OutputColumn[] | null,
  ): RowMasker | null {
    let rewrites: (ColumnRewrite | undefined)[];
    try {
      rewrites = columnRewrites(plan, fields, formats, outputs, this.#catalog);
    } catch (err) {
      if (err instanceof UnmaskableResult) throw new GatewayError('policy_denied', err.message);
      throw err;
    }
    return rewrites.some((r) => r !== undefined) ? new RowMasker(rewrites) : null;
  }
}
