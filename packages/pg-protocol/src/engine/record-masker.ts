import { planColumnMask, type ColumnMasker, type MaskPlan } from '@gatehouse/sql-core';
import { ProtocolError } from '../codec';
import { binaryCodecFor } from './binary-containers';
import type { CatalogCache, RelationInfo } from './catalog-cache';
import { formatRecord, parseRecord } from './pg-literals';
import { relationColumn } from './result-columns';

/** Masks of a composite value of a table, in text (`(1,jane@...)`) and binary (record_send) form. */
export interface RecordMasks {
  readonly text: ColumnMasker;
  /** The rewritten value, null for NULL, undefined when nothing changed. */
  readonly binary: (value: Buffer) => Buffer | null | undefined;
}

/**
 * A whole row of a table as one value (`SELECT u FROM users u`): each field
 * is masked as that table's column would be. Fields without a mask keep
 * their text or bytes; a value that does not have the table's shape is
 * hidden entirely (all fields NULL).
 */
export function recordMasks(
  plan: MaskPlan,
  rel: RelationInfo,
  catalog: CatalogCache | null,
): RecordMasks | null {
  const fields = [...rel.attributes.entries()].sort((a, b) => a[0] - b[0]);
  // A view's fields as its definition computes them (views over views too).
  const maskers = fields.map(
    ([n, a]) => planColumnMask(plan, relationColumn(rel, n, a, catalog))?.masker ?? null,
  );
  if (maskers.every((m) => m === null)) return null;
  const redacted = formatRecord(fields.map(() => null));
  const text: ColumnMasker = (value) => {
    try {
      const values = parseRecord(value);
      if (values.length !== fields.length) return redacted;
      let changed = false;
      const out = values.map((v, i) => {
        const m = maskers[i];
        if (v === null || m === null || m === undefined) return v;
        const masked = m(v);
        if (masked !== v) changed = true;
        return masked;
      });
      return changed ? formatRecord(out) : value;
    } catch {
      // Fail closed: a record that does not parse as its table's row shows nothing.
      return redacted;
    }
  };
  const binary = (value: Buffer): Buffer | null | undefined => {
    if (value.length < 4) throw new ProtocolError('record value too short');
    const n = value.readInt32BE(0);
    if (n !== fields.length) return null;
    const parts: Buffer[] = [];
    let changed = false;
    let from = 0;
    let at = 4;
    for (let i = 0; i < n; i++) {
      if (at + 8 > value.length) throw new ProtocolError('record field cut short');
      const oid = value.readUInt32BE(at);
      const len = value.readInt32BE(at + 4);
      at += 8;
      if (len < 0) continue;
      if (at + len > value.length) throw new ProtocolError('record field past the end of its value');
      const m = maskers[i];
      if (m !== null && m !== undefined) {
        const codec = binaryCodecFor(oid, (t) => catalog?.type(t));
        // A masked field whose binary format cannot be rewritten hides the whole value.
        if (codec === undefined) return null;
        const original = value.subarray(at, at + len);
        const decoded = codec.decode(original);
        const masked = m(decoded);
        if (masked !== decoded) {
          const bytes = codec.encode(masked, original);
          const head = Buffer.alloc(4);
          head.writeInt32BE(bytes.length);
          parts.push(value.subarray(from, at - 4), head, bytes);
          from = at + len;
          changed = true;
        }
      }
      at += len;
    }
    if (!changed) return undefined;
    parts.push(value.subarray(from));
    return Buffer.concat(parts);
  };
  return { text, binary };
}
