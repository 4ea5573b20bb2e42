import { Client } from 'pg';
import { compilePolicy, createPostgresAnalyser, type CompiledPolicy } from '@gatehouse/sql-core';
import { startTestGateway, type TestGateway } from './test-gateway';

/**
 * The engine with the real PostgreSQL analyser and a compiled policy, in
 * front of the local PostgreSQL. `token-alice` is alice in group dev,
 * `token-ci` is ci-bot in group ci (see test-gateway.ts).
 */
export interface PolicyTables {
  /** dev may write here. */
  readonly open: string;
  /** Every statement naming it is denied by rule `secrets`. */
  readonly secret: string;
  /** Readable; no rule allows writing it (default-deny). */
  readonly other: string;
}

export function policyTables(tag: string): PolicyTables {
  const suffix = `${tag}_${process.pid}`;
  return { open: `gh_pol_open_${suffix}`, secret: `gh_secret_${suffix}`, other: `gh_pol_other_${suffix}` };
}

export function policyRules(t: PolicyTables): unknown[] {
  return [
    { id: 'ci-unknown', when: { groups: ['ci'], unknown: true }, action: 'allow' },
    { id: 'no-guardrails', when: { guardrails: ['*'] }, action: 'deny' },
    {
      id: 'secrets',
      when: { tables: ['gh_secret_*', '*.gh_secret_*'] },
      action: 'deny',
      reason: 'the secrets table is off limits',
    },
    { id: 'ci-ddl', when: { groups: ['ci'], kinds: ['ddl'] }, action: 'review', grant: true },
    {
      id: 'dev-writes',
      when: { groups: ['dev'], kinds: ['write'], tables: [t.open, `public.${t.open}`] },
      action: 'allow',
    },
    { id: 'sessions', when: { kinds: ['transaction', 'session', 'utility'] }, action: 'allow' },
    { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
  ];
}

export interface PolicyGateway {
  readonly gw: TestGateway;
  readonly tables: PolicyTables;
  readonly policy: CompiledPolicy;
  /** A connection to the local PostgreSQL itself, for setting up and checking tables. */
  readonly direct: Client;
  /** node-postgres through the gateway. */
  client(token?: 'token-alice' | 'token-ci'): Promise<Client>;
  /** The rows' ids of a table, read directly, sorted. */
  ids(table: string): Promise<number[]>;
  /** Empties every table, directly. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPolicyGateway(tag: string): Promise<PolicyGateway> {
  const tables = policyTables(tag);
  const direct = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await direct.connect();
  for (const name of Object.values(tables)) {
    await direct.query(`drop table if exists ${name}; create table ${name} (id int primary key, note text)`);
  }
  const policy = compilePolicy(policyRules(tables));
  const gw = await startTestGateway({ policy, analyser: await createPostgresAnalyser() });
  const clients: Client[] = [];
  return {
    gw,
    tables,
    policy,
    direct,
    async client(token = 'token-alice') {
      const c = new Client({
        host: '127.0.0.1',
        port: gw.port,
        user: 'someone',
        password: token,
        database: 'local',
      });
      await c.connect();
      clients.push(c);
      return c;
    },
    async ids(table) {
      const rows = (await direct.query(`select id from ${table} order by id`)).rows as { id: number }[];
      return rows.map((r) => r.id);
    },
    async reset() {
      for (const name of Object.values(tables)) await direct.query(`truncate ${name}`);
    },
    async stop() {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await gw.stop();
      for (const name of Object.values(tables)) await direct.query(`drop table if exists ${name}`);
      await direct.query(`drop table if exists gh_pol_created_${tag}_${process.pid}`);
      await direct.end();
    },
  };
}

/** The SQLSTATE and message a query fails with, or `ok`. */
export function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
  );
}
