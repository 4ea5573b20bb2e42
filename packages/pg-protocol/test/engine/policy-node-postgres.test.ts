import type { Client } from 'pg';
import { compilePolicy } from '@gatehouse/sql-core';
import { outcome, startPolicyGateway, type PolicyGateway } from './policy-fixture';

/**
 * Enforcement through the real engine with the real analyser and a compiled
 * policy, seen by node-postgres: simple and extended protocol, transactions,
 * savepoints, SQL-level PREPARE/EXECUTE, unknown statements, default deny and
 * review without approvals.
 */
describe('policy enforcement seen by node-postgres', () => {
  let p: PolicyGateway;
  let open: string;
  let secret: string;
  let other: string;
  let alice: Client;

  beforeAll(async () => {
    p = await startPolicyGateway('np');
    ({ open, secret, other } = p.tables);
    alice = await p.client();
  });
  afterAll(() => p.stop());
  beforeEach(() => p.reset());

  it('denies in the simple protocol with 42501 and the rule, and the session goes on', async () => {
    expect(await outcome(alice.query(`delete from ${open}`))).toBe(
      `42501: gatehouse: DELETE on ${open} is blocked by guardrail delete-without-where: DELETE has no WHERE clause and removes every row (rule no-guardrails)`,
    );
    expect((await alice.query(`select count(*)::int as n from ${open}`)).rows).toEqual([{ n: 0 }]);
  });

  it('denies a parameterised query (extended protocol) and runs the allowed one', async () => {
    expect(await outcome(alice.query(`select * from ${secret} where id = $1`, [1]))).toBe(
      '42501: gatehouse: the secrets table is off limits (rule secrets)',
    );
    await alice.query(`insert into ${open} values ($1, $2)`, [1, 'x']);
    expect(await p.ids(open)).toEqual([1]);
    // Nothing of the denied statement reached the server: no prepared statement is left behind either.
    expect(await outcome(alice.query({ name: 'gh_named', text: `select * from ${secret}` }))).toMatch(
      /^42501: /,
    );
    expect((await alice.query({ name: 'gh_named2', text: 'select $1::int as v', values: [5] })).rows).toEqual(
      [{ v: 5 }],
    );
  });

  it('judges a multi-statement string whole: the strictest statement wins and nothing of it runs', async () => {
    expect(
      await outcome(alice.query(`insert into ${open} values (1); delete from ${open}; select 1`)),
    ).toMatch(/^42501: gatehouse: DELETE .* \(rule no-guardrails\)$/);
    expect(await p.ids(open)).toEqual([]);
    const results = (await alice.query(
      `insert into ${open} values (2); select count(*)::int as n from ${open}`,
    )) as unknown as {
      rows: unknown[];
    }[];
    expect(results[1]!.rows).toEqual([{ n: 1 }]);
  });

  it('inside a transaction a denial fails it exactly as a server error would: COMMIT reports ROLLBACK', async () => {
    await alice.query('begin');
    await alice.query(`insert into ${open} values (1)`);
    expect(await outcome(alice.query(`drop table ${open}`))).toMatch(
      /^42501: gatehouse: .*\(rule no-guardrails\)$/,
    );
    // The server now refuses everything but the end of the block...
    expect(await outcome(alice.query('select 1'))).toMatch(/^25P02: current transaction is aborted/);
    // ...and the COMMIT rolls back.
    expect((await alice.query('commit')).command).toBe('ROLLBACK');
    expect(await p.ids(open)).toEqual([]);

    // The same with the extended protocol inside the block.
    await alice.query('begin');
    await alice.query(`insert into ${open} values ($1)`, [2]);
    expect(await outcome(alice.query(`select * from ${secret} where id = $1`, [1]))).toMatch(/^42501: /);
    expect((await alice.query('commit')).command).toBe('ROLLBACK');
    expect(await p.ids(open)).toEqual([]);
  });

  it('ROLLBACK TO SAVEPOINT recovers after a denial as after a server error', async () => {
    await alice.query('begin');
    await alice.query(`insert into ${open} values (1)`);
    await alice.query('savepoint before_risk');
    expect(await outcome(alice.query(`delete from ${open}`))).toMatch(/^42501: /);
    await alice.query('rollback to savepoint before_risk');
    await alice.query(`insert into ${open} values (2)`);
    expect((await alice.query('commit')).command).toBe('COMMIT');
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('SQL-level PREPARE is judged at PREPARE, and EXECUTE as the statement it runs', async () => {
    // A denied PREPARE never reaches the server, so its EXECUTE has nothing to run: denied as unknown.
    expect(await outcome(alice.query(`prepare gh_wipe as delete from ${open}`))).toMatch(
      /^42501: gatehouse: PREPARE on .* delete-without-where.*\(rule no-guardrails\)$/,
    );
    expect(await outcome(alice.query('execute gh_wipe'))).toMatch(
      /^42501: gatehouse: the statement could not be analysed/,
    );

    await alice.query(`prepare gh_add (int) as insert into ${open} values ($1)`);
    await alice.query('execute gh_add(1)');
    // EXECUTE through the extended protocol, judged at Parse as the INSERT it runs.
    const extended = { text: 'execute gh_add(2)', queryMode: 'extended' }; // queryMode is missing from @types/pg
    await alice.query(extended);
    expect(await p.ids(open)).toEqual([1, 2]);

    // The same EXECUTE under rules that no longer let dev write: judged as the INSERT, so denied.
    const rules = p.policy.rules.filter((r) => r.id !== 'dev-writes').map(({ index: _index, ...r }) => r);
    p.gw.pipeline.setPolicy(compilePolicy(rules));
    try {
      expect(await outcome(alice.query('execute gh_add(3)'))).toBe(
        `42501: gatehouse: no policy rule allows EXECUTE on ${open} for alice on target local (rule default-deny)`,
      );
    } finally {
      p.gw.pipeline.setPolicy(p.policy);
    }
    await alice.query('deallocate gh_add');
    expect(await outcome(alice.query('execute gh_add(4)'))).toMatch(
      /^42501: gatehouse: the statement could not be analysed/,
    );
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('sees through evasions on the wire: case, comments, quoting, dollar quoting, CTEs, DO blocks', async () => {
    await p.direct.query(`insert into ${open} values (1), (2)`);
    const evasions = [
      `DeLeTe/**/FrOm ${open}`,
      `/* outer /* nested */ still comment */ delete from ${open}`,
      `-- a comment\ndelete from "public"."${open}"`,
      `delete from U&"${open.replace('g', '\\0067')}"`,
      `with gone as (delete from ${open} returning *) select count(*) from gone`,
      `do $$ begin execute 'delete from ${open}'; end $$`,
      `do $q$ begin execute format('drop table %I', '${open}'); end $q$`,
      `select $$ harmless $$; delete from ${open}`,
      `update ${open} set note = E'\\'' where 1 = 1`,
      `explain analyze delete from ${open}`,
      `SELECT * FROM ${secret.toUpperCase()}`,
    ];
    for (const sql of evasions)
      expect({ sql, got: await outcome(alice.query(sql)) }).toEqual({
        sql,
        got: expect.stringMatching(/^42501: gatehouse: /),
      });
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('denies unknown statements unless a rule allows unknown for that identity', async () => {
    const dynamic = `do $$ begin execute format('select %s', 1); end $$`;
    expect(await outcome(alice.query(dynamic))).toBe(
      '42501: gatehouse: the statement could not be analysed and may be what this rule denies (rule no-guardrails)',
    );
    // Not even a syntax error reaches the server: the gateway answers first.
    expect(await outcome(alice.query('selec 1'))).toMatch(
      /^42501: gatehouse: the statement could not be analysed/,
    );
    const ci = await p.client('token-ci');
    expect(await outcome(ci.query(dynamic))).toBe('ok');
    // Allowed through, the server judges the text itself.
    expect(await outcome(ci.query('selec 1'))).toMatch(/^42601: syntax error/);
  });

  it('denies by default when no rule matches, naming default-deny', async () => {
    expect(await outcome(alice.query(`insert into ${other} values (1)`))).toBe(
      `42501: gatehouse: no policy rule allows INSERT on ${other} for alice on target local (rule default-deny)`,
    );
    expect(await p.ids(other)).toEqual([]);
  });

  it('a review rule without approvals configured denies, saying approvals are not configured', async () => {
    const ci = await p.client('token-ci');
    const created = `gh_pol_created_np_${process.pid}`;
    expect(await outcome(ci.query(`create table ${created} (id int)`))).toBe(
      `42501: gatehouse: approval required (CREATE TABLE on ${created} requires approval) but approvals are not configured (rule ci-ddl)`,
    );
    const exists = await p.direct.query('select to_regclass($1) as t', [created]);
    expect(exists.rows[0].t).toBeNull();
  });
});
