import { connect } from 'node:net';
import { createMaskPlan, planColumnMask, type ColumnMasker } from '@gatehouse/sql-core';
import {
  BackendCode,
  decodeDataRow,
  decodeErrorFields,
  decodeRowDescription,
  encodeBind,
  encodeDescribe,
  encodeErrorResponse,
  encodeExecute,
  encodeParse,
  encodeStartupMessage,
  encodeSync,
  MessageReader,
} from '../../src/codec';
import { binaryCodecFor } from '../../src/engine/binary-containers';
import type { ColumnRewrite } from '../../src/engine/column-maskers';
import { CopyMasker } from '../../src/engine/copy-masker';
import { redactErrorResponse } from '../../src/engine/error-redaction';
import { formatArray, formatRecord, parseArray, parseRecord } from '../../src/engine/pg-literals';

/** One value from PostgreSQL itself (trust login), in text and in binary: the oracle for the codecs. */
async function textAndBinary(expression: string): Promise<{ text: string; binary: Buffer; type: number }> {
  const socket = connect({ host: '127.0.0.1', port: 5432 });
  const reader = new MessageReader({ maxMessageSize: 1 << 20 });
  const rows: { text: string; binary: Buffer; type: number } = { text: '', binary: Buffer.alloc(0), type: 0 };
  return new Promise((resolve, reject) => {
    let phase = 0;
    socket.on('error', reject);
    socket.on('connect', () =>
      socket.write(encodeStartupMessage({ user: 'postgres', database: 'test', TimeZone: 'UTC' })),
    );
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      while (reader.next()) {
        const code = reader.code;
        if (code === BackendCode.ErrorResponse) {
          socket.destroy();
          reject(new Error(decodeErrorFields(reader.payload()).message));
          return;
        }
        if (code === BackendCode.RowDescription)
          rows.type = decodeRowDescription(reader.payload())[0]!.typeOid;
        if (code === BackendCode.DataRow) {
          const value = decodeDataRow(reader.payload())[0] as Buffer;
          if (phase === 1) rows.text = value.toString('utf8');
          else rows.binary = Buffer.from(value);
        }
        if (code !== BackendCode.ReadyForQuery) continue;
        phase++;
        if (phase === 3) {
          socket.end();
          resolve(rows);
          return;
        }
        socket.write(
          Buffer.concat([
            encodeParse('', `select ${expression}`, []),
            encodeBind({
              portal: '',
              statement: '',
              parameterFormats: [],
              parameters: [],
              resultFormats: [phase === 1 ? 0 : 1],
            }),
            encodeDescribe('P', ''),
            encodeExecute('', 0),
            encodeSync(),
          ]),
        );
      }
    });
  });
}

describe('binary codecs against PostgreSQL', () => {
  it.each([
    "'jane@example.com'::text",
    "'x'::varchar(10)",
    `'{"email": "a@b.co", "n": [1, 2.5]}'::jsonb`,
    '42::int2',
    '(-2147483648)::int4',
    '9007199254740993::int8',
    '12.50::numeric(10,2)',
    '-0.000123::numeric',
    '123456789012345678901234567890.5::numeric',
    '0::numeric',
    "'NaN'::numeric",
    "'1985-03-14'::date",
    "'1969-12-31'::date",
    "'2024-05-01 10:00:00.123456'::timestamp",
    "'1965-07-01 23:59:59.5+00'::timestamptz",
    "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid",
    "'203.0.113.77'::inet",
    "'10.1.0.0/16'::cidr",
    "'2001:db8::1'::inet",
    "'08:00:2b:01:02:03'::macaddr",
    'true',
    "array['a@b.co', null, 'c d']::text[]",
    'array[[1, 2], [3, 4]]::int4[]',
  ])('%s decodes to its text and encodes back to its bytes', async (expression) => {
    const { text, binary, type } = await textAndBinary(expression);
    const codec = binaryCodecFor(type, () => undefined);
    expect(codec).toBeDefined();
    const decoded = codec!.decode(binary);
    // Text output differs only in forms PostgreSQL normalises (inet prefix lengths, IPv6 zero runs).
    if (type === 869 || type === 650) expect(codec!.encode(decoded, binary)).toEqual(binary);
    else {
      expect(decoded).toBe(text);
      expect(codec!.encode(text, binary)).toEqual(binary);
    }
  });
});

describe('composite and array literals', () => {
  it.each([
    ['(1,jane@example.com,"Jane Doe",,"")', [['1', 'jane@example.com', 'Jane Doe', null, '']]],
    ['("a ""q""","b\\\\c")', [['a "q"', 'b\\c']]],
  ] as const)('%s', (text, [values]) => {
    expect(parseRecord(text)).toEqual(values);
    expect(parseRecord(formatRecord(values))).toEqual(values);
  });

  it('round-trips arrays with NULLs, quotes, bounds and dimensions', () => {
    for (const text of [
      '{}',
      '{a,NULL,"b c","NULL",""}',
      '[0:1]={x,y}',
      '{{1,2},{3,4}}',
      '{"a\\"b","c\\\\d"}',
    ]) {
      expect(formatArray(parseArray(text))).toBe(text);
    }
  });
});

describe('COPY rows', () => {
  const plan = createMaskPlan();
  const masker = (column: string): ColumnMasker =>
    planColumnMask(plan, { table: 'users', column, type: 'text', lineage: 'direct' })!.masker;
  const rewrite = (column: string): ColumnRewrite => ({
    masker: masker(column),
    codec: null,
    column,
    table: 'users',
    kind: 'x',
  });
  const text = {
    format: 'text',
    delimiter: '\t',
    null: '\\N',
    quote: '"',
    escape: '"',
    header: false,
    query: null,
  } as const;
  const csv = { ...text, format: 'csv', delimiter: ',', null: '' } as const;

  it('splits text rows at unescaped delimiters and keeps escapes and NULL markers', () => {
    const m = new CopyMasker([undefined, rewrite('email'), rewrite('notes')], text);
    const row = Buffer.from('1\\tx\tjane@example.com\tline\\nbreak \\\\ call bob@example.org\n');
    expect(m.mask(row)?.toString()).toBe(
      '1\\tx\tj***@example.com\tline\\nbreak \\\\ call b***@example.org\n',
    );
    expect(m.mask(Buffer.from('2\t\\N\tnothing\n'))).toBeNull();
  });

  it('reads quoted csv fields (delimiters, quotes, newlines) and quotes what it writes', () => {
    const m = new CopyMasker([rewrite('email'), rewrite('notes')], csv);
    const row = Buffer.from('"jane@example.com","a, ""b""\nbob@example.org"\n');
    expect(m.mask(row)?.toString()).toBe('j***@example.com,"a, ""b""\nb***@example.org"\n');
    // An unquoted empty field is NULL; a quoted one is an empty string.
    expect(m.mask(Buffer.from(',""\n'))).toBeNull();
  });

  it('passes the header line', () => {
    const m = new CopyMasker([rewrite('email')], { ...csv, header: true });
    expect(m.mask(Buffer.from('email\n'))).toBeNull();
    expect(m.mask(Buffer.from('jane@example.com\n'))?.toString()).toBe('j***@example.com\n');
  });
});

describe('error redaction', () => {
  const plan = createMaskPlan();
  const redact = (fields: Parameters<typeof encodeErrorResponse>[0], sensitive: boolean) => {
    const message = encodeErrorResponse(fields);
    const out = redactErrorResponse(BackendCode.ErrorResponse, message.subarray(5), plan, sensitive);
    return out === null ? null : decodeErrorFields(out.subarray(5));
  };

  it('hides quoted values when the statement read masked columns, keeps object names', () => {
    expect(
      redact(
        { severity: 'ERROR', code: '22P02', message: 'invalid input syntax for type integer: "536-22-8845"' },
        true,
      )?.message,
    ).toBe('invalid input syntax for type integer: "***"');
    expect(
      redact(
        {
          severity: 'ERROR',
          code: '23514',
          message: 'new row for relation "users" violates check constraint "c1"',
          table: 'users',
          constraint: 'c1',
        },
        true,
      ),
    ).toBeNull();
    expect(
      redact(
        {
          severity: 'ERROR',
          code: '23502',
          message: 'x',
          detail: 'Failing row contains (1, jane@example.com, secret).',
        },
        true,
      )?.detail,
    ).toBe('Failing row contains (***).');
  });

  it('scans every statement’s errors for values, and leaves clean ones alone', () => {
    expect(
      redact({ severity: 'ERROR', code: 'P0001', message: 'card 4111 1111 1111 1111 refused' }, false)
        ?.message,
    ).toBe('card **** **** **** 1111 refused');
    expect(
      redact({ severity: 'ERROR', code: '42P01', message: 'relation "nope" does not exist' }, false),
    ).toBeNull();
  });
});
