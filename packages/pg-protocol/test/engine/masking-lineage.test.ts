import type { Client } from 'pg';
import { FIXTURE, startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { binaryText, extendedQuery } from './masking-wire-client';

/**
 * Every lineage case end to end, in text format (node-postgres, values kept
 * as the server's text) and in binary format (Bind with result format 1):
 * the masked columns differ from what PostgreSQL returns directly and look
 * as the masks say; the others are byte for byte what PostgreSQL returns.
 */
const MASKED = {
  email: 'j***@example.com',
  ssn: '***-**-8845',
  phone: '+1 (***) ***-**71',
  dob: '1985-01-01',
  name: 'J***',
  card: '************1111',
  iban: 'DE****************3000',
  apiKey: 'ghp_****INUx',
  passwordHash: '********',
  ip: '203.0.113.0',
} as const;

interface Case {
  readonly sql: string;
  /** Columns that must be masked: the expected value, or a pattern it must match, or just "not the original". */
  readonly masked: Readonly<Record<string, string | RegExp | true>>;
  /** Columns that must pass unchanged. */
  readonly kept?: readonly string[];
}

const CASES: Readonly<Record<string, Case>> = {
  'plain columns': {
    sql: 'select id, email, ssn, phone, dob, name from $S.users where id = 1',
    masked: { email: MASKED.email, ssn: MASKED.ssn, phone: MASKED.phone, dob: MASKED.dob, name: MASKED.name },
    kept: ['id'],
  },
  aliases: {
    sql: 'select u.email as contact, u.ssn as x, u.id as k from $S.users u where u.id = 1',
    masked: { contact: MASKED.email, x: MASKED.ssn },
    kept: ['k'],
  },
  '*': {
    sql: 'select * from $S.users where id = 1',
    masked: {
      email: MASKED.email,
      ssn: MASKED.ssn,
      phone: MASKED.phone,
      dob: MASKED.dob,
      name: MASKED.name,
      notes: true,
      profile: true,
      last_login_ip: MASKED.ip,
    },
    kept: ['id', 'email_verified', 'user_uuid', 'content_sha256'],
  },
  'TABLE t': {
    sql: 'table $S.payments',
    masked: { card_number: MASKED.card, iban: MASKED.iban },
    kept: ['id', 'user_id', 'amount', 'order_id'],
  },
  subquery: {
    sql: 'select s.e, s.id from (select email as e, id from $S.users where id = 1) s',
    masked: { e: MASKED.email },
    kept: ['id'],
  },
  CTE: {
    sql: 'with c as (select ssn as x, phone from $S.users where id = 1) select x, upper(phone) as p from c',
    masked: { x: MASKED.ssn, p: MASKED.phone },
  },
  'UNION branches': {
    sql: 'select email as v from $S.users where id = 1 union all select iban from $S.payments',
    masked: { v: MASKED.email },
  },
  'string functions and operators': {
    sql:
      "select lower(email) as l, substr(ssn, 1, 3) as s3, concat(name, '!') as c, email || '' as cat, " +
      'ssn::varchar(20) as sv, trim(phone) as tp from $S.users where id = 1',
    masked: { l: MASKED.email, s3: '***', c: true, cat: MASKED.email, sv: MASKED.ssn, tp: MASKED.phone },
  },
  'rewriting functions': {
    sql:
      "select translate(phone, '0123456789', 'abcdefghij') as t, encode(convert_to(email, 'UTF8'), 'base64') as b64, " +
      'reverse(ssn) as r, md5(ssn) as h from $S.users where id = 1',
    masked: { t: '****', b64: '****', r: '****', h: '****' },
  },
  aggregates: {
    sql: "select string_agg(email, ',' order by id) as emails, array_agg(ssn order by id) as ssns, count(*) as n, count(email) as ne from $S.users",
    masked: { emails: 'j***@example.com,b***@example.org', ssns: '{***-**-8845,***-**-5678}' },
    kept: ['n', 'ne'],
  },
  'whole rows as JSON': {
    sql: 'select row_to_json(u) as r, to_jsonb(u) as jb from $S.users u where id = 1',
    masked: {
      r: /"email":"j\*\*\*@example\.com".*"ssn":"\*\*\*-\*\*-8845"/,
      jb: /"ssn": "\*\*\*-\*\*-8845"/,
    },
  },
  'json_agg of rows': {
    sql: 'select json_agg(u order by u.id) as j from $S.users u',
    masked: { j: /"name":"J\*\*\*".*"name":"B\*\*\*"/s },
  },
  'SELECT u FROM users u': {
    sql: 'select u from $S.users u where id = 1',
    masked: { u: /^\(1,j\*\*\*@example\.com,\*\*\*-\*\*-8845,.*,1985-01-01,J\*\*\*,/ },
  },
  view: {
    sql: 'select * from $S.contacts where id = 1',
    masked: { contact: MASKED.email, who: true },
    kept: ['id'],
  },
  secrets: {
    sql: 'select api_key, password_hash from $S.secrets',
    masked: { api_key: MASKED.apiKey, password_hash: MASKED.passwordHash },
  },
};

/** Values that must never appear in a masked result. */
const ORIGINALS = [
  FIXTURE.email,
  FIXTURE.ssn,
  '555-2671',
  FIXTURE.card,
  FIXTURE.iban,
  FIXTURE.apiKey,
  FIXTURE.passwordHash,
  'Jane Doe',
];

describe('masking lineage end to end', () => {
  let gw: MaskingGateway;
  let direct: Client;
  let client: Client;
  const sql = (c: Case): string => c.sql.replaceAll('$S', gw.schema);

  beforeAll(async () => {
    gw = await startMaskingGateway();
    direct = gw.direct();
    await direct.connect();
    client = gw.client();
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await direct.end();
    await gw.stop();
  });

  /** First row as the server's text, by column name. */
  async function textRow(c: Client, text: string): Promise<Record<string, string | null>> {
    const r = await c.query({ text, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } });
    return Object.fromEntries(r.fields.map((f, i) => [f.name, (r.rows[0] as (string | null)[])[i] ?? null]));
  }

  function check(expected: string | RegExp | true, value: string | null, original: string | null): void {
    expect(value).not.toBeNull();
    expect(value).not.toBe(original);
    if (typeof expected === 'string') expect(value).toBe(expected);
    else if (expected instanceof RegExp) expect(value).toMatch(expected);
  }

  describe.each(Object.entries(CASES))('%s', (_label, c) => {
    it('is masked in text format', async () => {
      const original = await textRow(direct, sql(c));
      const masked = await textRow(client, sql(c));
      for (const [col, expected] of Object.entries(c.masked))
        check(expected, masked[col] ?? null, original[col] ?? null);
      for (const col of c.kept ?? []) expect(masked[col]).toBe(original[col]);
      for (const o of ORIGINALS) expect(JSON.stringify(masked)).not.toContain(o);
    });

    it('is masked in binary format, re-encoded in its own type', async () => {
      const original = await textRow(direct, sql(c));
      const text = await textRow(client, sql(c));
      const r = await extendedQuery(gw.port, sql(c), [1]);
      expect(r.errors).toEqual([]);
      const row = r.rows[0] as (Buffer | null)[];
      const binary = Object.fromEntries(
        r.fields.map((f, i) => [
          f.name,
          row[i] === null || row[i] === undefined ? null : binaryText(f.typeOid, row[i] as Buffer),
        ]),
      );
      for (const [col, expected] of Object.entries(c.masked)) {
        check(
          expected === true || typeof expected === 'string' ? true : expected,
          binary[col] ?? null,
          original[col] ?? null,
        );
        const type = r.fields.find((f) => f.name === col)?.typeOid;
        // Text-like and date values decode to exactly what text format showed.
        if (type === 25 || type === 1043 || type === 1082) expect(binary[col]).toBe(text[col]);
      }
      for (const col of c.kept ?? []) expect(binary[col]).toBe(original[col]);
      for (const o of ORIGINALS) expect(JSON.stringify(binary)).not.toContain(o);
    });
  });

  it('leaves the traps alone: Luhn-valid order ids, UUIDs, hashes, counts, ids, timestamps', async () => {
    const q =
      `select p.order_id, u.user_uuid, u.content_sha256, u.created_at, u.id, p.user_id, u.email_verified, ` +
      `count(*) over () as n from ${gw.schema}.payments p join ${gw.schema}.users u on u.id = p.user_id`;
    expect(await textRow(client, q)).toEqual(await textRow(direct, q));
    const r = await extendedQuery(gw.port, q, [1]);
    expect(binaryText(20, r.rows[0]?.[0] as Buffer)).toBe(FIXTURE.orderId);
    expect(binaryText(2950, r.rows[0]?.[1] as Buffer)).toBe(FIXTURE.uuid);
  });

  it('keeps values node-postgres parses parseable (ints, dates, json, inet)', async () => {
    const r = await client.query(
      `select id, dob, profile, last_login_ip, created_at, email_verified from ${gw.schema}.users order by id`,
    );
    expect(r.rows[0].id).toBe(1);
    expect(r.rows[0].dob).toBeInstanceOf(Date);
    expect((r.rows[0].dob as Date).getFullYear()).toBe(1985);
    expect((r.rows[0].dob as Date).getMonth()).toBe(0);
    expect(r.rows[0].profile).toEqual({ email: MASKED.email, plan: 'pro', address: { zip: '941**' } });
    expect(r.rows[0].last_login_ip).toBe(MASKED.ip);
    expect(r.rows[0].created_at).toBeInstanceOf(Date);
    expect(r.rows[0].email_verified).toBe(true);
  });

  it('shows real values to unmasked groups', async () => {
    const dba = gw.client('token-dba');
    await dba.connect();
    try {
      const q = `select email, ssn, u from ${gw.schema}.users u where id = 1`;
      expect(await textRow(dba, q)).toEqual(await textRow(direct, q));
    } finally {
      await dba.end();
    }
  });
});
