import type { Client } from 'pg';
import { startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { extendedQuery, simpleQuery } from './masking-wire-client';

/**
 * A bytea whose bytes are text is masked wherever it is carried, not only
 * as a column of its own: inside an array (`array_agg`, `array[...]`), a
 * record (`row(...)`), a JSON value, in text and in binary results. The
 * container still parses; random binary inside it passes as it was.
 */
const NOTE = 'call jane.doe@example.com, ssn 536-22-8845';
const NOTE_MASKED = 'call j***@example.com, ssn ***-**-8845';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');
const LEAKS = [Buffer.from('jane.doe'), Buffer.from('536-22'), Buffer.from(hex('jane.doe'))];

function expectNoLeak(v: Buffer | null | undefined): void {
  expect(v).toBeInstanceOf(Buffer);
  for (const leak of LEAKS) expect((v as Buffer).includes(leak)).toBe(false);
}

describe('masking bytea carried in arrays, records and JSON', () => {
  let gw: MaskingGateway;
  let direct: Client;
  let T: string;

  beforeAll(async () => {
    gw = await startMaskingGateway();
    T = `${gw.schema}.files`;
    direct = gw.direct();
    await direct.connect();
    await direct.query(
      `create table ${T} (id int primary key, attachment bytea);
       insert into ${T} values (1, convert_to('${NOTE}', 'UTF8')), (2, decode('${hex(PNG)}', 'hex'))`,
    );
  });
  afterAll(async () => {
    await direct.end();
    await gw.stop();
  });

  const text = async (sql: string): Promise<string | undefined> => {
    const r = await simpleQuery(gw.port, sql);
    expect(r.errors).toEqual([]);
    return r.rows[0]?.[0]?.toString('utf8');
  };
  /** The binary result of `sql` through the gateway, and what PostgreSQL sends for `expectedSql`. */
  const binary = async (sql: string, expectedSql: string): Promise<[Buffer | null, Buffer | null]> => {
    const r = await extendedQuery(gw.port, sql, [1]);
    expect(r.errors).toEqual([]);
    const e = await extendedQuery(gw.port, expectedSql, [1], { token: 'token-dba' });
    expect(e.errors).toEqual([]);
    return [r.rows[0]?.[0] ?? null, e.rows[0]?.[0] ?? null];
  };
  const masked = `convert_to('${NOTE_MASKED}', 'UTF8')`;

  it('array_agg(bytea) and array[bytea] in text: elements decoded, scanned, re-encoded', async () => {
    expect(await text(`select array_agg(attachment order by id) from ${T}`)).toBe(
      `{"\\\\x${hex(NOTE_MASKED)}","\\\\x${hex(PNG)}"}`,
    );
    expect(await text(`select array[attachment]::text from ${T} where id = 1`)).toBe(
      `{"\\\\x${hex(NOTE_MASKED)}"}`,
    );
    expect(await text(`select array[attachment] from ${T} where id = 2`)).toBe(`{"\\\\x${hex(PNG)}"}`);
  });

  it('bytea arrays in escape output (bytea_output = escape)', async () => {
    const r = await simpleQuery(
      gw.port,
      `set bytea_output = escape; select array_agg(attachment order by id) from ${T} where id = 1`,
    );
    expect(r.errors).toEqual([]);
    expect(r.rows[0]?.[0]?.toString('latin1')).toBe(`{"${NOTE_MASKED}"}`);
  });

  it('array_agg(bytea) in binary results', async () => {
    const [got, want] = await binary(
      `select array_agg(attachment order by id) from ${T}`,
      `select array[${masked}, decode('${hex(PNG)}', 'hex')]`,
    );
    expectNoLeak(got);
    expect(got).toEqual(want);
  });

  it('random binary in an array passes unchanged (text and binary)', async () => {
    const sql = `select array_agg(attachment) from ${T} where id = 2`;
    const [got, want] = await binary(sql, sql);
    expect(got).toEqual(want);
  });

  it('row(bytea) in text and binary', async () => {
    expect(await text(`select row(attachment)::text from ${T} where id = 1`)).toBe(
      `("\\\\x${hex(NOTE_MASKED)}")`,
    );
    expect(await text(`select row(id, attachment) from ${T} where id = 1`)).toBe(
      `(1,"\\\\x${hex(NOTE_MASKED)}")`,
    );
    const [got, want] = await binary(
      `select row(id, attachment) from ${T} where id = 1`,
      `select row(1, ${masked})`,
    );
    expectNoLeak(got);
    expect(got).toEqual(want);
  });

  it('a bytea in records in an array (nested quoting), text and binary', async () => {
    const out = await text(`select array_agg(row(id, attachment) order by id) from ${T}`);
    expect(out).toBe(`{"(1,\\"\\\\\\\\x${hex(NOTE_MASKED)}\\")","(2,\\"\\\\\\\\x${hex(PNG)}\\")"}`);
    const [got] = await binary(`select array_agg(row(id, attachment) order by id) from ${T}`, 'select 1');
    expectNoLeak(got);
    expect(got?.includes(Buffer.from(NOTE_MASKED))).toBe(true);
    expect(got?.includes(PNG)).toBe(true);
  });

  it('json_build_object with a bytea (text, json and binary)', async () => {
    const out = `{"a" : "\\\\x${hex(NOTE_MASKED)}"}`;
    expect(await text(`select json_build_object('a', attachment)::text from ${T} where id = 1`)).toBe(out);
    expect(await text(`select json_build_object('a', attachment) from ${T} where id = 1`)).toBe(out);
    const [got] = await binary(
      `select json_build_object('a', attachment) from ${T} where id = 1`,
      'select 1',
    );
    expect(got?.toString('utf8')).toBe(out);
    const [b] = await binary(`select jsonb_build_object('a', attachment) from ${T} where id = 1`, 'select 1');
    expect(b?.subarray(1).toString('utf8')).toBe(`{"a": "\\\\x${hex(NOTE_MASKED)}"}`);
  });
});
