import type { Client } from 'pg';
import {
  FIXTURE,
  startMaskingGateway,
  type MaskingGateway,
  textRow,
  maskedDetectors,
  expectNoLeak,
} from './masking-fixture';
import { binaryText, extendedQuery } from './masking-wire-client';

/**
 * Columns renamed by alias lists (`users x(a, b)`, `(subquery) s(n)`,
 * `WITH c(n)`) and whole rows of views as JSON, end to end: the values are
 * masked by the column they come from, whatever the statement or a view
 * calls them. The fixture's `users` is (id, email, ssn, phone, dob, name,
 * ...); every name given here marks nothing sensitive, so only lineage can
 * mask (the audit names the detector: `scan` would be the value scan).
 */
const SETUP = (s: string): string => `
  create view ${s}.c2 as select id, contact, who from ${s}.contacts;
  create view ${s}.c3 as select id, who as handle, contact as reach from ${s}.c2;
  create table ${s}.people (id int, dropme text, name text, tag text);
  insert into ${s}.people values (1, 'x', '${FIXTURE.name}', 'plain');
  alter table ${s}.people drop column dropme;
  create view ${s}.refs as select id, reference as r from ${s}.orders;
  create view ${s}.aliased as select upper(x.f) as shout, x.a as k from ${s}.users x(a, b, c, d, e, f);
`;

const NAME = 'J***';
const LOWER_NAME = 'j***';
const EMAIL = 'j***@example.com';

interface Case {
  readonly sql: string;
  /** Result column -> the value it must have, and the detector the audit must name. */
  readonly masked: Readonly<Record<string, readonly [string, string]>>;
  /** Columns that must pass byte for byte. */
  readonly kept?: readonly string[];
}

const CASES: Readonly<Record<string, Case>> = {
  "an expression over a table's column renamed by an alias list": {
    sql: 'select upper(x.f) as v, x.a from $S.users x(a, b, c, d, e, f) where x.a = 1',
    masked: { v: [NAME, 'person_name'] },
    kept: ['a'],
  },
  'the same, unqualified': {
    sql: 'select upper(f) as v, lower(b) as w, a from $S.users x(a, b, c, d, e, f) where a = 1',
    masked: { v: [NAME, 'person_name'], w: [EMAIL, 'email'] },
    kept: ['a'],
  },
  'a column past the alias list, by its own name': {
    sql: 'select upper(x.name) as v, x.k from $S.users x(k) where x.k = 1',
    masked: { v: [NAME, 'person_name'] },
    kept: ['k'],
  },
  'alias lists on both sides of a join': {
    sql:
      'select upper(x.f) as v, p.cc || $$$$ as w from $S.users x(a, b, c, d, e, f) ' +
      'join $S.payments p(k, uid, cc) on p.uid = x.a where x.a = 1',
    masked: { v: [NAME, 'person_name'], w: ['************1111', 'payment_card'] },
  },
  'an alias list skips dropped columns': {
    sql: 'select upper(p.b) as v, p.c from $S.people p(a, b, c) where p.a = 1',
    masked: { v: [NAME, 'person_name'] },
    kept: ['c'],
  },
  "a view's columns renamed by an alias list": {
    sql: 'select upper(x.b) as v, x.a from $S.c3 x(a, b) where x.a = 1',
    masked: { v: [NAME, 'person_name'] },
    kept: ['a'],
  },
  'a subquery with an alias list': {
    sql: 'select upper(n) as v, s.k from (select name, id from $S.users) s(n, k) where s.k = 1',
    masked: { v: [NAME, 'person_name'] },
    kept: ['k'],
  },
  'a CTE with an alias list': {
    sql: 'with c(n, k) as (select name, id from $S.users) select upper(n) as v, k from c where k = 1',
    masked: { v: [NAME, 'person_name'] },
    kept: ['k'],
  },
  'a view whose definition uses an alias list': {
    sql: 'select shout, k from $S.aliased where k = 1',
    masked: { shout: [NAME, 'person_name'] },
    kept: ['k'],
  },
};

/** Whole rows of a view (c3: id, handle <- users.name, reach <- users.email) as JSON, per row and aggregated. */
const JSON_ROWS: Readonly<Record<string, string>> = {
  row_to_json: 'select row_to_json(v) as j from $S.c3 v where v.id = 1',
  to_jsonb: 'select to_jsonb(v) as j from $S.c3 v where v.id = 1',
  json_agg: 'select json_agg(v) as j from $S.c3 v where v.id = 1',
  jsonb_agg: 'select jsonb_agg(v order by v.id) as j from $S.c3 v where v.id = 1',
  'row_to_json of a view with an alias list': 'select row_to_json(v) as j from $S.c3 v(a, b) where v.a = 1',
};

describe('masking through alias lists and whole rows of views as JSON', () => {
  let gw: MaskingGateway;
  let direct: Client;
  let client: Client;
  const sql = (text: string): string => text.replaceAll('$S', gw.schema);

  beforeAll(async () => {
    gw = await startMaskingGateway();
    direct = gw.direct();
    await direct.connect();
    await direct.query(SETUP(gw.schema));
    client = gw.client();
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await direct.end();
    await gw.stop();
  });

  const detectors = (from: number): Record<string, readonly string[]> => maskedDetectors(gw.audit, from);
  const leaks = expectNoLeak;

  describe.each(Object.entries(CASES))('%s', (_label, c) => {
    it('is masked by lineage in text format', async () => {
      const original = await textRow(direct, sql(c.sql));
      const before = gw.audit.length;
      const masked = await textRow(client, sql(c.sql));
      for (const [col, [value]] of Object.entries(c.masked)) {
        expect(original[col]).not.toBe(value);
        expect(masked[col]).toBe(value);
      }
      for (const col of c.kept ?? []) expect(masked[col]).toBe(original[col]);
      leaks(masked);
      const found = detectors(before);
      for (const [col, [, detector]] of Object.entries(c.masked)) expect(found[col]).toEqual([detector]);
    });

    it('is masked by lineage in binary format', async () => {
      const original = await textRow(direct, sql(c.sql));
      const r = await extendedQuery(gw.port, sql(c.sql), [1]);
      expect(r.errors).toEqual([]);
      const row = r.rows[0] as (Buffer | null)[];
      const binary = Object.fromEntries(
        r.fields.map((f, i) => [f.name, row[i] == null ? null : binaryText(f.typeOid, row[i] as Buffer)]),
      );
      for (const [col, [value]] of Object.entries(c.masked)) expect(binary[col]).toBe(value);
      for (const col of c.kept ?? []) expect(binary[col]).toBe(original[col]);
      leaks(binary);
    });
  });

  describe('a name several schemas have', () => {
    const other = (): string => `${gw.schema}_alt`;
    let session: Client;
    beforeAll(async () => {
      session = gw.client();
      await session.connect();
      // Made through the gateway, so the catalog's answers are dropped at once.
      await session.query(
        `create schema ${other()}; create table ${other()}.users (id int, plain text, handle text); ` +
          `insert into ${other()}.users values (1, 'harmless', 'also harmless')`,
      );
    });
    afterAll(async () => {
      await session.end();
      await direct.query(`drop schema if exists ${other()} cascade`);
    });

    it('masks a renamed column as any of them would need (redacted whole where they differ)', async () => {
      await session.query(`set search_path to ${other()}, ${gw.schema}`);
      const r = await session.query('select upper(x.c) as v from users x(a, b, c) where x.a = 1');
      // Column 3 is users.ssn in one schema, plain text in the other: hidden whole.
      expect(r.rows).toEqual([{ v: '****' }]);
      const same = await session.query(
        `select upper(x.c) as v from ${other()}.users x(a, b, c) where x.a = 1`,
      );
      expect(same.rows).toEqual([{ v: 'ALSO HARMLESS' }]);
    });
  });

  describe.each(Object.entries(JSON_ROWS))("a view's whole row as JSON: %s", (_label, text) => {
    it('masks each key by the column the view computes it from', async () => {
      const original = (await textRow(direct, sql(text))).j ?? '';
      expect(original).toContain('jane doe');
      const masked = (await textRow(client, sql(text))).j ?? '';
      leaks({ masked });
      // Keys and structure kept; values masked as users.name and users.email would be.
      const parse = (j: string): unknown => JSON.parse(j);
      const row = (j: string): Record<string, unknown> => {
        const v = parse(j);
        return (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
      };
      expect(Object.keys(row(masked))).toEqual(Object.keys(row(original)));
      expect(row(masked)).toEqual({ id: 1, handle: LOWER_NAME, reach: EMAIL });
    });
  });

  it("masks a view's JSON rows in binary format too (jsonb)", async () => {
    const r = await extendedQuery(gw.port, sql('select to_jsonb(v) as j from $S.c3 v where v.id = 1'), [1]);
    expect(r.errors).toEqual([]);
    const text = binaryText(r.fields[0]?.typeOid ?? 0, r.rows[0]?.[0] as Buffer);
    expect(JSON.parse(text ?? '')).toEqual({ id: 1, handle: LOWER_NAME, reach: EMAIL });
  });

  it("applies a masking.columns rule to the key a view's row takes the column under", async () => {
    const q = sql('select row_to_json(v) as j from $S.refs v');
    expect((await textRow(direct, q)).j).toBe('{"id":1,"r":"ORD-2024-0001"}');
    expect((await textRow(client, q)).j).toBe('{"id":1,"r":"****"}');
  });

  it("lists a table's row as JSON by its keys as before", async () => {
    const masked = (await textRow(client, sql('select row_to_json(u) as j from $S.users u where u.id = 1')))
      .j;
    const row = JSON.parse(masked ?? '{}') as Record<string, unknown>;
    expect(row.name).toBe(NAME);
    expect(row.email).toBe(EMAIL);
    expect(row.id).toBe(1);
  });
});
