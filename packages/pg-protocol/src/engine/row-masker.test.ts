import fc from 'fast-check';
import { createMaskPlan } from '@gatehouse/sql-core';
import { decodeDataRow, encodeDataRow, ProtocolError, type RowField } from '../codec';
import { columnRewrites, type ColumnRewrite } from './column-maskers';
import { RowMasker } from './row-masker';

/**
 * RowMasker against a naive oracle: decode every cell, run the column's
 * string mask on the masked ones, encode the row again. Rows are fed the way
 * the relay feeds them (one after another out of a larger received buffer)
 * and every output is checked again at the end: a slab is never written
 * under a row already handed out.
 */
const COLUMNS: [string, number][] = [
  ['id', 20],
  ['email', 25],
  ['ssn', 25],
  ['notes', 25],
  ['profile', 3802],
  ['attachment', 17],
  ['phone', 1043],
];
const FIELDS: RowField[] = COLUMNS.map(([name, typeOid]) => ({
  name,
  tableOid: 0,
  columnAttr: 0,
  typeOid,
  typeSize: -1,
  // phone is varchar(12): byte masks that would not fit decline.
  typeModifier: name === 'phone' ? 16 : -1,
  format: 0,
}));
const REWRITES = columnRewrites(createMaskPlan(), FIELDS, null, null, null);

function oracle(rewrites: readonly (ColumnRewrite | undefined)[], row: Buffer): Buffer {
  const cells = decodeDataRow(row.subarray(5));
  return encodeDataRow(
    cells.map((cell, i) => {
      const r = rewrites[i];
      if (cell === null || r === undefined) return cell;
      return Buffer.from(r.masker(cell.toString('utf8')), 'utf8');
    }),
  );
}

const printable = (b: Buffer): string => b.toString('latin1').slice(0, 500);

const sample = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'jane.doe@example.com',
      'a@b.io',
      '@x.org',
      'no at sign',
      '536-22-8845',
      '+1 (415) 555-2671',
      '415 555 2671',
      'call jane.doe@example.com, card 4111 1111 1111 1111',
      '{"email": "bob@example.org", "plan": "pro"}',
      '\\x63616c6c206a616e652e646f65406578616d706c652e636f6d',
      '\\x89504e470d0a1a0a',
      'café ünïcödé',
      '',
    ),
    weight: 10,
  },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 10 },
  // Values past a slab's share and past the scratch: rows of their own.
  {
    arbitrary: fc.constantFrom(20_000, 70_000).map((n) => `${'x'.repeat(n)} jane.doe@example.com`),
    weight: 1,
  },
);
const rowValues = fc.array(fc.option(sample, { nil: null }), {
  minLength: COLUMNS.length,
  maxLength: COLUMNS.length,
});

describe('RowMasker', () => {
  it('gives what masking each cell on its own gives, row after row, and never touches rows it handed out', () => {
    fc.assert(
      fc.property(fc.array(rowValues, { minLength: 1, maxLength: 60 }), (rows) => {
        const masker = new RowMasker(REWRITES);
        const encoded = rows.map((values) => encodeDataRow(values));
        const received = Buffer.concat(encoded);
        const outputs: [Buffer | null, Buffer][] = [];
        let at = 0;
        for (const row of encoded) {
          outputs.push([masker.mask(received, at, at + row.length), row]);
          at += row.length;
        }
        // Buffer#equals: jest's deep equality is far too slow for rows of 70 kB.
        for (const [out, row] of outputs) {
          const expected = oracle(REWRITES, row);
          if (!(out ?? row).equals(expected)) expect(printable(out ?? row)).toBe(printable(expected));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts the values it rewrote per column for the audit, then starts again', () => {
    const masker = new RowMasker(REWRITES);
    const row = encodeDataRow(['1', 'jane.doe@example.com', '536-22-8845', 'nothing here', null, null, null]);
    expect(masker.mask(row, 0, row.length)).not.toBeNull();
    expect(masker.mask(row, 0, row.length)).not.toBeNull();
    expect(masker.audit()).toEqual([
      { column: 'email', table: null, detectors: ['email'], values: 2 },
      { column: 'ssn', table: null, detectors: ['us_ssn'], values: 2 },
    ]);
    expect(masker.audit()).toEqual([]);
  });

  it('refuses malformed rows with a ProtocolError', () => {
    const masker = new RowMasker(REWRITES);
    const row = encodeDataRow(['1', 'jane.doe@example.com', null, null, null, null, null]);
    const bad = (mutate: (b: Buffer) => Buffer) => () => {
      const b = mutate(Buffer.from(row));
      return masker.mask(b, 0, b.length);
    };
    expect(bad((b) => b.subarray(0, 6))).toThrow(ProtocolError);
    expect(bad((b) => (b.writeUInt16BE(6, 5), b))).toThrow(/columns/);
    expect(bad((b) => b.subarray(0, b.length - 10))).toThrow(ProtocolError);
    expect(bad((b) => Buffer.concat([b, Buffer.of(0)]))).toThrow(/after its last column/);
    expect(bad((b) => (b.writeInt32BE(-2, 7), b))).toThrow(/invalid length/);
    expect(bad((b) => (b.writeInt32BE(1 << 30, 7), b))).toThrow(/past the end/);
  });
});
