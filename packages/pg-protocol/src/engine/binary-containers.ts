import { columnShapeOfPgType } from '@gatehouse/sql-core';
import { ProtocolError } from '../codec';
import { builtInCodec, codecBySend, type BinaryCodec } from './binary-values';
import type { TypeInfo } from './catalog-cache';
import { formatArray, formatRecord, parseArray, parseRecord } from './pg-literals';

/** Anonymous record (`ROW(...)`, `SELECT u FROM users u` has the table's own row type instead). */
const RECORD_OID = 2249;
const MAX_ELEMENTS = 1_000_000;

export type CodecLookup = (typeOid: number) => BinaryCodec | undefined;

/**
 * The binary codec of a type: built in, by its send function, a domain's
 * base type, or an array or record of such types (their element and field
 * types are written in each value). Undefined when the gateway cannot
 * rewrite the type's binary format.
 */
export function binaryCodecFor(
  typeOid: number,
  types: (oid: number) => TypeInfo | null | undefined,
  depth = 0,
): BinaryCodec | undefined {
  if (depth > 4) return undefined;
  const lookup: CodecLookup = (oid) => binaryCodecFor(oid, types, depth + 1);
  const builtIn = builtInCodec(typeOid);
  if (builtIn !== undefined) return builtIn;
  if (typeOid === RECORD_OID) return recordCodec(lookup);
  if (columnShapeOfPgType(typeOid).type === 'array') return arrayCodec(lookup);
  const info = types(typeOid);
  if (info === null || info === undefined) return undefined;
  if (info.kind === 'd') return binaryCodecFor(info.base, types, depth + 1);
  if (info.kind === 'c') return recordCodec(lookup);
  if (info.category === 'A' || info.send === 'array_send') return arrayCodec(lookup);
  return codecBySend(info.send);
}

function need(v: Buffer, at: number, n: number): void {
  if (at + n > v.length) throw new ProtocolError('binary value shorter than its own lengths say');
}

/** The elements of an array_send value, in order (null for NULL). */
function arrayElements(v: Buffer): (Buffer | null)[] {
  need(v, 0, 12);
  const ndim = v.readInt32BE(0);
  if (ndim < 0 || ndim > 6) throw new ProtocolError('array value has an invalid dimension count');
  need(v, 12, ndim * 8);
  let count = ndim > 0 ? 1 : 0;
  for (let d = 0; d < ndim; d++) {
    const size = v.readInt32BE(12 + d * 8);
    if (size < 0) throw new ProtocolError('array value has a negative dimension');
    count *= size;
  }
  if (count > MAX_ELEMENTS) throw new ProtocolError('array value has too many elements');
  const out: (Buffer | null)[] = [];
  let at = 12 + ndim * 8;
  for (let k = 0; k < count; k++) {
    need(v, at, 4);
    const len = v.readInt32BE(at);
    at += 4;
    if (len < 0) out.push(null);
    else {
      need(v, at, len);
      out.push(v.subarray(at, at + len));
      at += len;
    }
  }
  return out;
}

/** array_send: ndim, has-nulls flag, element type, (size, lower bound) per dimension, then the elements. */
export function arrayCodec(lookup: CodecLookup): BinaryCodec {
  return {
    decode: (v) => {
      need(v, 0, 12);
      const ndim = v.readInt32BE(0);
      const elementOid = v.readUInt32BE(8);
      const codec = lookup(elementOid);
      if (codec === undefined) throw new Error(`array elements of type ${elementOid} cannot be rewritten`);
      const elements = arrayElements(v);
      const dims: number[] = [];
      const lbounds: number[] = [];
      for (let d = 0; d < ndim; d++) {
        dims.push(v.readInt32BE(12 + d * 8));
        lbounds.push(v.readInt32BE(16 + d * 8));
      }
      const values = elements.map((e) => (e === null ? null : codec.decode(e)));
      return formatArray({ dims, lbounds, values });
    },
    encode: (text, original) => {
      const elementOid = original.readUInt32BE(8);
      const codec = lookup(elementOid);
      if (codec === undefined) throw new Error(`array elements of type ${elementOid} cannot be rewritten`);
      const a = parseArray(text);
      const head = Buffer.alloc(12 + a.dims.length * 8);
      head.writeInt32BE(a.dims.length, 0);
      head.writeInt32BE(a.values.some((x) => x === null) ? 1 : 0, 4);
      head.writeUInt32BE(elementOid, 8);
      a.dims.forEach((d, i) => {
        head.writeInt32BE(d, 12 + i * 8);
        head.writeInt32BE(a.lbounds[i] ?? 1, 16 + i * 8);
      });
      // Each element's original bytes: a record element takes its field types from them.
      const originals = arrayElements(original);
      if (originals.length !== a.values.length) throw new Error('array literal does not match the array');
      const parts: Buffer[] = [head];
      for (const [k, value] of a.values.entries()) {
        const len = Buffer.alloc(4);
        if (value === null) {
          len.writeInt32BE(-1);
          parts.push(len);
        } else {
          const bytes = codec.encode(value, originals[k] ?? Buffer.alloc(0));
          len.writeInt32BE(bytes.length);
          parts.push(len, bytes);
        }
      }
      return Buffer.concat(parts);
    },
  };
}

interface RecordField {
  readonly oid: number;
  readonly value: Buffer | null;
}

function recordFields(v: Buffer): RecordField[] {
  need(v, 0, 4);
  const n = v.readInt32BE(0);
  if (n < 0 || n > 1600) throw new ProtocolError('record value has an invalid field count');
  const fields: RecordField[] = [];
  let at = 4;
  for (let i = 0; i < n; i++) {
    need(v, at, 8);
    const oid = v.readUInt32BE(at);
    const len = v.readInt32BE(at + 4);
    at += 8;
    if (len < 0) fields.push({ oid, value: null });
    else {
      need(v, at, len);
      fields.push({ oid, value: v.subarray(at, at + len) });
      at += len;
    }
  }
  return fields;
}

/** record_send: field count, then (type OID, length, bytes) per field. */
export function recordCodec(lookup: CodecLookup): BinaryCodec {
  const codecOf = (oid: number): BinaryCodec => {
    const codec = lookup(oid);
    if (codec === undefined) throw new Error(`record fields of type ${oid} cannot be rewritten`);
    return codec;
  };
  return {
    decode: (v) =>
      formatRecord(recordFields(v).map((f) => (f.value === null ? null : codecOf(f.oid).decode(f.value)))),
    encode: (text, original) => {
      const fields = recordFields(original);
      const values = parseRecord(text);
      if (values.length !== fields.length) throw new Error('record literal does not match the record');
      const parts: Buffer[] = [];
      const count = Buffer.alloc(4);
      count.writeInt32BE(fields.length);
      parts.push(count);
      fields.forEach((f, i) => {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(f.oid, 0);
        const value = values[i];
        if (value === null || value === undefined) {
          head.writeInt32BE(-1, 4);
          parts.push(head);
          return;
        }
        const bytes = codecOf(f.oid).encode(value, f.value ?? Buffer.alloc(0));
        head.writeInt32BE(bytes.length, 4);
        parts.push(head, bytes);
      });
      return Buffer.concat(parts);
    },
  };
}
