import { execFileSync } from 'node:child_process';
import {
  columnShapeOf,
  createColumnMasker,
  type ColumnClassification,
  type DetectorId,
  type MaskHow,
} from '../../src/masking';

/**
 * Masked values must still be values of the column's type. Each case takes a
 * value as the real server prints it (PostgreSQL text output / MariaDB text
 * protocol), masks it, and has the server parse the mask back.
 */

const c = (detector: DetectorId): ColumnClassification => ({ detector, confidence: 'high', reason: 'test' });

function sqlLiteral(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

function psql(sql: string): string {
  return execFileSync(
    'psql',
    [
      '-h',
      process.env.PGHOST ?? '127.0.0.1',
      '-p',
      process.env.PGPORT ?? '5432',
      '-U',
      process.env.PGUSER ?? 'postgres',
      '-d',
      'postgres',
      '-X',
      '-q',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-f',
      '-',
    ],
    { input: sql, encoding: 'utf8', env: { ...process.env, PGTZ: 'Europe/Paris' } },
  );
}

interface PgCase {
  readonly type: string;
  readonly input: string;
  readonly how: MaskHow;
  /** The mask as the server prints it back; omitted when only validity matters. */
  readonly expected?: string;
}

const PG_CASES: readonly PgCase[] = [
  { type: 'text', input: 'jane.doe@example.com', how: c('email'), expected: 'j***@example.com' },
  { type: 'varchar(12)', input: 'ab@example.io', how: c('email'), expected: '************' },
  { type: 'char(10)', input: 'Jane', how: c('person_name'), expected: 'J***      ' },
  { type: 'int8', input: '14155552671', how: c('phone'), expected: '2671' },
  { type: 'int4', input: '123456789', how: c('us_ssn'), expected: '6789' },
  { type: 'int4', input: '2147483647', how: 'deterministic' },
  { type: 'int2', input: '-32768', how: 'deterministic' },
  { type: 'int8', input: '3405803783', how: c('ip_address'), expected: '3405803776' },
  { type: 'numeric(19,0)', input: '4111111111111111', how: c('payment_card'), expected: '1111' },
  { type: 'numeric(12,2)', input: '1234567890.12', how: c('bank_account'), expected: '7890.00' },
  { type: 'int4', input: '94103', how: c('postal_code'), expected: '94100' },
  { type: 'float8', input: '37.774929', how: c('geo_location'), expected: '37.77' },
  { type: 'float4', input: '-122.419416', how: c('geo_location'), expected: '-122.42' },
  { type: 'date', input: '1985-03-15', how: c('date_of_birth'), expected: '1985-01-01' },
  {
    type: 'timestamp',
    input: '1985-03-15 10:22:33.123456',
    how: c('date_of_birth'),
    expected: '1985-01-01 00:00:00',
  },
  { type: 'timestamptz', input: '1985-03-15 10:22:33.5+05:30', how: c('date_of_birth') },
  { type: 'timestamptz', input: '0044-03-15 10:00:00+00 BC', how: c('date_of_birth') },
  { type: 'date', input: 'infinity', how: c('date_of_birth'), expected: 'infinity' },
  {
    type: 'uuid',
    input: '550e8400-e29b-41d4-a716-446655440000',
    how: c('secret'),
    expected: '00000000-0000-0000-0000-000000000000',
  },
  { type: 'uuid', input: '550e8400-e29b-41d4-a716-446655440000', how: 'deterministic' },
  { type: 'inet', input: '203.0.113.7', how: c('ip_address'), expected: '203.0.113.0' },
  { type: 'inet', input: '203.0.113.7/16', how: c('ip_address'), expected: '203.0.113.0/16' },
  {
    type: 'inet',
    input: '2001:db8:85a3::8a2e:370:7348/64',
    how: c('ip_address'),
    expected: '2001:db8:85a3::/64',
  },
  { type: 'inet', input: '::ffff:203.0.113.7', how: c('ip_address'), expected: '::ffff:203.0.113.0' },
  { type: 'cidr', input: '203.0.113.128/25', how: c('ip_address'), expected: '203.0.113.0/25' },
  { type: 'cidr', input: '2001:db8:85a3:1234::/64', how: c('ip_address'), expected: '2001:db8:85a3::/64' },
  { type: 'inet', input: '198.51.100.23', how: 'scan', expected: '198.51.100.0' },
  { type: 'macaddr', input: '08:00:2b:01:02:03', how: c('mac_address'), expected: '08:00:2b:00:00:00' },
  {
    type: 'macaddr8',
    input: '08:00:2b:01:02:03:04:05',
    how: c('mac_address'),
    expected: '08:00:2b:00:00:00:00:00',
  },
  {
    type: 'jsonb',
    input: '{"email": "jane@example.com", "card": "4111 1111 1111 1111", "n": 12345678901234567890}',
    how: 'scan',
  },
  {
    type: 'json',
    input: '{"user": {"name": "Jane", "ssn": 123456789}, "tags": ["a", "b"]}',
    how: c('free_text'),
  },
  {
    type: 'jsonb',
    input: '{"street": "1 Main St", "zip": 94103}',
    how: c('postal_address'),
    expected: '{"zip": 94100, "street": "****"}',
  },
  {
    type: 'text[]',
    input: '{jane@example.com,"bob smith@example.org",NULL}',
    how: c('email'),
    expected: '{j***@example.com,b***@example.org,NULL}',
  },
  { type: 'int8[]', input: '{14155552671,NULL}', how: c('phone'), expected: '{2671,NULL}' },
  {
    type: 'date[]',
    input: '{1985-03-15,2001-12-31}',
    how: c('date_of_birth'),
    expected: '{1985-01-01,2001-01-01}',
  },
  {
    type: 'text[]',
    input: '{"call (415) 555-2671","x,y"}',
    how: 'scan',
    expected: '{"call (***) ***-**71","x,y"}',
  },
  { type: 'bytea', input: '\\x0102', how: c('password'), expected: '\\x' },
  { type: 'text', input: 'hunter2', how: c('password'), expected: '********' },
  {
    type: 'text',
    input: 'postgres://app:secret@db:5432/prod',
    how: c('connection_string'),
    expected: 'postgres://app:****@db:5432/prod',
  },
  ...[
    'int4',
    'numeric',
    'float8',
    'date',
    'timestamptz',
    'time',
    'interval',
    'uuid',
    'inet',
    'macaddr',
    'jsonb',
    'bytea',
    'text[]',
    'char(3)',
    'varchar(2)',
    'bool',
  ].map((type): PgCase => ({ type, input: '', how: 'redact' })),
];

const SAMPLE: Readonly<Record<string, string>> = {
  int4: '42',
  numeric: '4.2',
  float8: '4.2',
  date: '2020-02-02',
  timestamptz: '2020-02-02 02:02:02+00',
  time: '02:02:02',
  interval: '2 days',
  uuid: '550e8400-e29b-41d4-a716-446655440000',
  inet: '203.0.113.7',
  macaddr: '08:00:2b:01:02:03',
  jsonb: '{"a": 1}',
  bytea: '\\x01',
  'text[]': '{a,b}',
  'char(3)': 'abc',
  'varchar(2)': 'ab',
  bool: 't',
};

const VALIDATE = `CREATE FUNCTION pg_temp.reparse(v text, t text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT format(''%%s'', %L::%s)', v, t) INTO r;
  RETURN r;
EXCEPTION WHEN others THEN
  RETURN 'INVALID ' || t || ': ' || SQLERRM;
END $f$;`;

describe('masked values stay valid for their PostgreSQL type', () => {
  const cases = PG_CASES.map((k) => ({ ...k, input: k.input === '' ? (SAMPLE[k.type] as string) : k.input }));
  // The server's own text output of each input (its type's output function) is what the masker receives.
  const printed = JSON.parse(
    psql(
      `SELECT json_agg(v ORDER BY i) FROM (VALUES ${cases.map((k, i) => `(${i}, format('%s', ${sqlLiteral(k.input)}::${k.type}))`).join(', ')}) x(i, v);`,
    ),
  ) as string[];
  const masked = cases.map((k, i) => createColumnMasker(k.how, columnShapeOf(k.type))(printed[i] as string));
  const reparsed = JSON.parse(
    psql(
      `${VALIDATE}\nSELECT json_agg(pg_temp.reparse(v, t) ORDER BY i) FROM (VALUES ${cases
        .map((k, i) => `(${i}, ${sqlLiteral(masked[i] as string)}, ${sqlLiteral(k.type)})`)
        .join(', ')}) x(i, v, t);`,
    ),
  ) as (string | null)[];

  it.each(cases.map((k, i) => [k.type, typeof k.how === 'string' ? k.how : k.how.detector, i] as const))(
    '%s masked as %s (#%i)',
    (type, _how, i) => {
      const k = cases[i] as PgCase;
      const out = reparsed[i] as string;
      expect(out).not.toMatch(/^INVALID/);
      const length = columnShapeOf(type).length;
      if (length !== undefined) expect((masked[i] as string).length).toBeLessThanOrEqual(length);
      if (k.expected !== undefined) expect(out).toBe(k.expected);
      if (k.how !== 'redact' && type !== 'bool' && (k.expected === undefined || k.expected !== printed[i])) {
        expect(masked[i]).not.toBe(printed[i]);
      }
    },
  );

  it('keeps a timestamptz offset and cuts to the year', () => {
    const i = cases.findIndex((k) => k.type === 'timestamptz' && k.input.startsWith('1985'));
    expect(printed[i]).toBe('1985-03-15 05:52:33.5+01');
    expect(masked[i]).toBe('1985-01-01 00:00:00+01');
  });
});

function mariadb(sql: string): string {
  return execFileSync('mariadb', ['-uroot', '--batch', '--skip-column-names', '-e', sql], {
    encoding: 'utf8',
  });
}

describe('masked values stay valid for their MariaDB column type (strict mode)', () => {
  it('dates, datetimes, JSON, integers and varchar(n) are accepted back', () => {
    const dob = c('date_of_birth');
    const date = createColumnMasker(dob, columnShapeOf('date'))('1985-03-15');
    const datetime = createColumnMasker(dob, columnShapeOf('datetime'))('1985-03-15 10:22:33.123456');
    const json = createColumnMasker('scan', columnShapeOf('json'), { dialect: 'mysql' })(
      '{"email": "jane@example.com", "ip": "203.0.113.7"}',
    );
    const phone = createColumnMasker(c('phone'), columnShapeOf('bigint unsigned'))('14155552671');
    const email = createColumnMasker(c('email'), columnShapeOf('varchar(12)'))('ab@example.io');
    const blob = createColumnMasker(c('password'), columnShapeOf('varbinary(16)'), { dialect: 'mysql' })(
      'secret',
    );
    expect([date, datetime, phone, email, blob]).toEqual([
      '1985-01-01',
      '1985-01-01 00:00:00',
      '2671',
      '************',
      '',
    ]);
    const out = mariadb(
      `SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE';
       CREATE TEMPORARY TABLE test.masked (d DATE, dt DATETIME(6), j JSON, p BIGINT UNSIGNED, e VARCHAR(12), b VARBINARY(16));
       INSERT INTO test.masked VALUES (${[date, datetime, json, phone, email, blob].map(sqlLiteral).join(', ')});
       SELECT d, dt, JSON_VALID(j), JSON_VALUE(j, '$.email'), JSON_VALUE(j, '$.ip'), p, e, LENGTH(b) FROM test.masked;`.replace(
        /\n\s*/g,
        ' ',
      ),
    );
    expect(out.trim().split('\t')).toEqual([
      '1985-01-01',
      '1985-01-01 00:00:00.000000',
      '1',
      'j***@example.com',
      '203.0.113.0',
      '2671',
      '************',
      '0',
    ]);
  });
});
