import { planColumnMask, planRowJsonMask, type ColumnMasker, type MaskPlan } from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import { binaryCodecFor } from './binary-containers';
import { builtInCodec, type BinaryCodec } from './binary-values';
import type { CatalogCache } from './catalog-cache';
import { recordMasks, type RecordMasks } from './record-masker';
import { resolveColumns, type ResolvedColumn } from './result-columns';
import { rowKeyLineage } from './view-lineage';

/** How one column of a result is rewritten: its masker, and the binary codec when it comes in binary format. */
export interface ColumnRewrite {
  readonly masker: ColumnMasker;
  /** Null: text format. */
  readonly codec: BinaryCodec | null;
  /** Binary values rewritten without a trip through text (whole rows, bytea): null for NULL, undefined when unchanged. */
  readonly binary?: (value: Buffer) => Buffer | null | undefined;
  /** False when the value's bytes certainly pass unchanged (nothing a scan finds): no string is made of it. */
  readonly mayChange?: (src: Uint8Array, start: number, end: number) => boolean;
  /** For the audit: the result column's name, its source table, the detector or mask that applies. */
  readonly column: string;
  readonly table: string | null;
  readonly kind: string;
}

/** The codecs whose binary form is the text form's UTF-8 bytes (text, varchar, char, name, json...). */
const UTF8_CODEC = builtInCodec(25);
const BYTEA_CODEC = builtInCodec(17);

/** A raw (bytes to bytes) mask as a binary rewrite. */
function rawRewrite(
  raw: (value: Uint8Array) => Uint8Array | undefined,
): (value: Buffer) => Buffer | undefined {
  return (value) => {
    const out = raw(value);
    return out === undefined ? undefined : Buffer.from(out.buffer, out.byteOffset, out.length);
  };
}

/** The result needs something the gateway cannot do (a binary format it cannot rewrite): it must not pass. */
export class UnmaskableResult extends Error {}

function decide(
  plan: MaskPlan,
  rc: ResolvedColumn,
  catalog: CatalogCache | null,
): { masker: ColumnMasker; kind: string; binary?: RecordMasks['binary'] } | null {
  if (rc.record !== null && rc.column.lineage !== 'direct') {
    const masks = recordMasks(plan, rc.record, catalog);
    return masks === null ? null : { masker: masks.text, kind: 'row', binary: masks.binary };
  }
  // A whole row as JSON: each key masked as the column it comes from (a view's, through its definition).
  const d =
    rc.column.lineage === 'row'
      ? planRowJsonMask(plan, rc.column, rowKeyLineage(rc.column, catalog))
      : planColumnMask(plan, rc.column);
  // Types that hold no text (geometry, ranges...) are never scanned; an explicit rule still applies.
  if (d === null || (rc.opaque && d.kind === 'scan')) return null;
  return { masker: d.masker, kind: d.kind };
}

/**
 * The rewrites of a result's columns (undefined where a column passes as
 * it is). Throws UnmaskableResult when a column that must be masked comes
 * in a binary format the gateway cannot rewrite.
 */
export function columnRewrites(
  plan: MaskPlan,
  fields: readonly RowField[],
  formats: readonly number[] | null,
  outputs: Parameters<typeof resolveColumns>[1],
  catalog: CatalogCache | null,
): (ColumnRewrite | undefined)[] {
  const resolved = resolveColumns(fields, outputs, catalog);
  return resolved.map((rc, i) => {
    const d = decide(plan, rc, catalog);
    if (d === null) return undefined;
    const field = fields[i] as RowField;
    const format = formats === null ? field.format : formatOf(formats, i);
    const about = {
      column: field.name,
      table: rc.column.table ?? rc.column.sources?.[0]?.table ?? null,
      kind: d.kind,
    };
    const mayChange = d.masker.mayChange;
    if (format !== 1) return { masker: d.masker, codec: null, ...about, ...(mayChange && { mayChange }) };
    if (d.binary !== undefined) return { masker: d.masker, codec: null, binary: d.binary, ...about };
    const codec = binaryCodecFor(field.typeOid, (oid) => catalog?.type(oid));
    if (codec === undefined) {
      throw new UnmaskableResult(
        `column "${field.name}" must be masked but its binary format (type ${field.typeOid}) cannot be rewritten; request it in text format`,
      );
    }
    const raw = d.masker.raw;
    if (codec === BYTEA_CODEC && raw !== undefined)
      return { masker: d.masker, codec, binary: rawRewrite(raw), ...about };
    // Binary text is its UTF-8 bytes: the same check applies.
    if (codec === UTF8_CODEC && mayChange !== undefined)
      return { masker: d.masker, codec, mayChange, ...about };
    return { masker: d.masker, codec, ...about };
  });
}

/** Bind's result format codes: none means text, one applies to all, else one per column. */
export function formatOf(formats: readonly number[], i: number): number {
  if (formats.length === 0) return 0;
  return formats.length === 1 ? (formats[0] ?? 0) : (formats[i] ?? 0);
}
