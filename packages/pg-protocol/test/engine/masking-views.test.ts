import type { Client } from 'pg';
import {
  FIXTURE,
  startMaskingGateway,
  type MaskingGateway,
  textRow,
  maskedDetectors,
  expectNoLeak,
} from './masking-fixture';
import { binaryText, extendedQuery, simpleQuery } from './masking-wire-client';

/**
 * Lineage through views built on views, end to end: a column computed from a
 * sensitive column stays masked however many views rename it on the way,
 * and when the statement itself computes over a view's column. The fixture's
 * `contacts` is `select id, email as contact, lower(name) as who from users`;
 * every other view is made here, with names that mark nothing sensitive, so
 * only lineage can mask them (the audit says which detector did: `scan`
 * would be the value scan backstop, not lineage).
 */
const VIEWS = (s: string): string => `
  create view ${s}.c2 as select id, contact, who from ${s}.contacts;
  create view ${s}.c3 as select id, who as handle, contact as reach from ${s}.c2;
  create view ${s}.paid as
    select c.handle as payer, c.reach, p.amount, p.card_number as instrument
    from ${s}.c3 c join ${s}.payments p on p.user_id = c.id;
  create view ${s}.renamed as select c.b as nick, c.a as k from ${s}.c3 as c(a, b);
  create materialized view ${s}.snapshot as select id, handle as tag, reach as ref from ${s}.c3;
  create view ${s}.lowered as select id, lower(contact) as box, upper(who) as label from ${s}.contacts;
  create view ${s}.row_only as select id, handle as h from ${s}.c3;
  create view ${s}.opaque_rows as select id, handle as tag from ${s}.c3, generate_series(1, 1) g;
  create view ${s}.untraced as select 1 as id, t.email, t.label from unnest(
    array['${FIXTURE.email}'], array['Jane Doe']) as t(email, label);
`;

interface Case {
  readonly sql: string;
  /** Result column -> the value it must have, and the detector the audit must name (never the scan). */
  readonly masked: Readonly<Record<string, readonly [string, string]>>;
  /** Columns that must pass byte for byte. */
  readonly kept?: readonly string[];
}

const NAME = 'j***';
const EMAIL = 'j***@example.com';

const CASES: Readonly<Record<string, Case>> = {
  'a view over a view': {
    sql: 'select id, contact, who from $S.c2 where id = 1',
    masked: { contact: [EMAIL, 'email'], who: [NAME, 'person_name'] },
    kept: ['id'],
  },
  'three levels, renamed': {
    sql: 'select handle, reach, id from $S.c3 where id = 1',
    masked: { handle: [NAME, 'person_name'], reach: [EMAIL, 'email'] },
    kept: ['id'],
  },
  '* of three levels': {
    sql: 'select * from $S.c3 where id = 1',
    masked: { handle: [NAME, 'person_name'], reach: [EMAIL, 'email'] },
    kept: ['id'],
  },
  'an expression over a view column': {
    sql: 'select upper(who) as a, lower(contact) as b, id from $S.contacts where id = 1',
    masked: { a: ['J***', 'person_name'], b: [EMAIL, 'email'] },
    kept: ['id'],
  },
  'an expression over a renamed column three levels down': {
    sql: "select upper(c.handle) as a, c.reach || '' as b from $S.c3 c where c.id = 1",
    masked: { a: ['J***', 'person_name'], b: [EMAIL, 'email'] },
  },
  'a view over a view joined with a table': {
    sql: 'select payer, reach, amount, instrument from $S.paid',
    masked: {
      payer: [NAME, 'person_name'],
      reach: [EMAIL, 'email'],
      instrument: ['************1111', 'payment_card'],
    },
    kept: ['amount'],
  },
  'a materialized view over a view': {
    sql: 'select id, tag, ref from $S.snapshot where id = 1',
    masked: { tag: [NAME, 'person_name'], ref: [EMAIL, 'email'] },
    kept: ['id'],
  },
  'expressions inside a view': {
    sql: 'select box, label, id from $S.lowered where id = 1',
    masked: { box: [EMAIL, 'email'], label: ['J***', 'person_name'] },
    kept: ['id'],
  },
  "a view that renames its view's columns with an alias list": {
    sql: 'select nick, k from $S.renamed where k = 1',
    // Column 2 of c3 (the catalog says which): handle, from users.name.
    masked: { nick: [NAME, 'person_name'] },
    kept: ['k'],
  },
  'an expression over an alias list of a view': {
    sql: 'select upper(x.b) as v, x.a from $S.c3 x(a, b) where x.a = 1',
    masked: { v: ['J***', 'person_name'] },
    kept: ['a'],
  },
  "a view's row as text": {
    sql: 'select x::text as v, x.id from $S.c3 x where x.id = 1',
    masked: { v: ['****', 'person_name'] },
    kept: ['id'],
  },
  'a join of the statement over views': {
    sql:
      "select concat(a.handle, '') as x, b.ref as y, a.id from $S.c3 a join $S.snapshot b on b.id = a.id " +
      'where a.id = 1',
    masked: { x: [NAME, 'person_name'], y: [EMAIL, 'email'] },
    kept: ['id'],
  },
};

describe('masking through views built on views', () => {
  let gw: MaskingGateway;
  let direct: Client;
  let client: Client;
  const sql = (c: Case): string => c.sql.replaceAll('$S', gw.schema);

  beforeAll(async () => {
    gw = await startMaskingGateway();
    direct = gw.direct();
    await direct.connect();
    await direct.query(VIEWS(gw.schema));
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
      const original = await textRow(direct, sql(c));
      const before = gw.audit.length;
      const masked = await textRow(client, sql(c));
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
      const original = await textRow(direct, sql(c));
      const r = await extendedQuery(gw.port, sql(c), [1]);
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

  it('follows a prepared statement over views (Parse, Bind, Execute through node-postgres)', async () => {
    const r = await client.query({
      name: `views-${process.pid}`,
      text: `select upper(handle) as a, id from ${gw.schema}.c3 where id = $1`,
      values: [1],
    });
    expect(r.rows).toEqual([{ a: 'J***', id: 1 }]);
  });

  it("masks a view's whole row field by field, as its definition computes each (text and binary)", async () => {
    const q = `select x, x.id from ${gw.schema}.c3 x where x.id = 1`;
    expect((await textRow(direct, q)).x).toBe('(1,"jane doe",jane.doe@example.com)');
    expect((await textRow(client, q)).x).toBe(`(1,${NAME},${EMAIL})`);
    const r = await extendedQuery(gw.port, q, [1]);
    expect(r.errors).toEqual([]);
    const record = r.rows[0]?.[0] as Buffer;
    expect(record.toString('latin1')).not.toContain('jane');
    expect(record.toString('latin1')).toContain(NAME);
    expect(record.toString('latin1')).toContain(EMAIL);
  });

  it('masks COPY ... TO STDOUT of a query over views', async () => {
    const r = await simpleQuery(
      gw.port,
      `copy (select id, handle, upper(reach) as r from ${gw.schema}.c3 where id = 1) to stdout`,
    );
    expect(r.errors).toEqual([]);
    expect(Buffer.concat(r.copy).toString('utf8')).toBe(`1\t${NAME}\tJ***@EXAMPLE.COM\n`);
  });

  it('traces a view column next to a function in its definition', async () => {
    const before = gw.audit.length;
    const masked = await textRow(client, `select tag, id from ${gw.schema}.opaque_rows where id = 1`);
    expect(masked.tag).toBe(NAME);
    expect(detectors(before).tag).toEqual(['person_name']);
  });

  it('keeps a column the view does not trace classified by its own name (and scanned), as before', async () => {
    const q = `select email, upper(email) as shout, label, id from ${gw.schema}.untraced`;
    const before = gw.audit.length;
    const masked = await textRow(client, q);
    expect(masked.email).toBe(EMAIL);
    expect(masked.shout).toBe('J***@EXAMPLE.COM');
    expect(masked.id).toBe('1');
    const found = detectors(before);
    expect(found.email).toEqual(['email']);
    expect(found.shout).toEqual(['email']);
    // `label` names nothing and is not traced: the value scan is the backstop (a name has no detector).
    expect(masked.label).toBe('Jane Doe');
  });

  describe('names the statement writes', () => {
    const other = (): string => `${gw.schema}_alt`;
    let session: Client;
    beforeAll(async () => {
      await direct.query(
        `create view ${gw.schema}."Mixed.Case" as select id, who as "Handle" from ${gw.schema}.c2; ` +
          `create view ${gw.schema}.over_mixed as select id, "Handle" as h from ${gw.schema}."Mixed.Case"; ` +
          `create view ${gw.schema}."straße_ü" as select id, "Handle" as "größe" from ${gw.schema}."Mixed.Case"`,
      );
      session = gw.client();
      await session.connect();
    });
    afterAll(async () => {
      await session.end();
      await direct.query(`drop schema if exists ${other()} cascade`);
    });

    it('follows a bare name the session finds through its own search_path', async () => {
      // A name no other schema of the database has (other test files' fixtures make `contacts` views).
      const bare = `contacts_sp_${process.pid}`;
      await direct.query(`create view ${gw.schema}.${bare} as select * from ${gw.schema}.contacts`);
      await session.query(`set search_path to ${gw.schema}`);
      const r = await session.query(`select upper(who) as a, lower(contact) as b from ${bare} where id = 1`);
      expect(r.rows).toEqual([{ a: 'J***', b: EMAIL }]);
    });

    it('follows every relation a bare name may stand for when several schemas have one', async () => {
      // Made through the gateway, so the catalog's answers are dropped at once.
      await session.query(
        `create schema ${other()}; create table ${other()}.contacts (id int, who text); ` +
          `insert into ${other()}.contacts values (1, 'nobody')`,
      );
      // Which one the session reads is its search_path's business: masked as any of them would need.
      await session.query(`set search_path to ${gw.schema}, ${other()}`);
      expect((await session.query('select upper(who) as a from contacts where id = 1')).rows).toEqual([
        { a: '****' },
      ]);
      await session.query(`set search_path to ${other()}, ${gw.schema}`);
      expect((await session.query('select upper(who) as a from contacts where id = 1')).rows).toEqual([
        { a: '****' },
      ]);
      // A qualified name is the one relation it names.
      const q = `select upper(who) as a from ${other()}.contacts where id = 1`;
      expect((await session.query(q)).rows).toEqual([{ a: 'NOBODY' }]);
    });

    it('follows a temporary view of the session', async () => {
      await session.query(`create temp view tv as select id, handle as alias from ${gw.schema}.c3`);
      const r = await session.query(
        'select upper(alias) as a, alias, id from tv where id = 1 union all select upper(alias), alias, id from pg_temp.tv where id = 1',
      );
      expect(r.rows).toEqual([
        { a: 'J***', alias: NAME, id: 1 },
        { a: 'J***', alias: NAME, id: 1 },
      ]);
    });

    it('follows quoted names, dots inside them included', async () => {
      const r = await session.query(
        `select upper("Handle") as a, h from ${gw.schema}."Mixed.Case" m join ${gw.schema}.over_mixed o using (id) where id = 1`,
      );
      expect(r.rows).toEqual([{ a: 'J***', h: NAME }]);
      const u = await session.query(`select upper("größe") as a from ${gw.schema}."straße_ü" where id = 1`);
      expect(u.rows).toEqual([{ a: 'J***' }]);
    });

    it('follows a view redefined through the gateway at once', async () => {
      await session.query(`create view ${gw.schema}.turning as select id, contact as x from ${gw.schema}.c2`);
      expect(
        (await session.query(`select upper(x) as a from ${gw.schema}.turning where id = 1`)).rows,
      ).toEqual([{ a: 'J***@EXAMPLE.COM' }]);
      await session.query(
        `create or replace view ${gw.schema}.turning as select id, who as x from ${gw.schema}.c2`,
      );
      expect(
        (await session.query(`select upper(x) as a, x from ${gw.schema}.turning where id = 1`)).rows,
      ).toEqual([{ a: 'J***', x: NAME }]);
    });
  });

  it('leaves harmless view columns alone', async () => {
    const q = `select id, id * 2 as twice from ${gw.schema}.c3 order by id`;
    const before = gw.audit.length;
    expect(await textRow(client, q)).toEqual(await textRow(direct, q));
    expect(detectors(before)).toEqual({});
  });
});
