import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { ExplainedColumn, ExplainReport } from '../src/explain';
import { ensureDevIssuer, signDevToken, type DevIssuerKeys } from '../src/identity';
import { startGateway, type RunningGateway } from '../src/runtime';
import { freePort } from '../src/testing/free-port';
import { silentLogger, tempDir } from '../src/testing/test-support';

/**
 * Which result columns explain says a session would mask, through the built
 * CLI (`gatehouse explain --json` and the text format) and POST /v1/explain
 * of a running gateway, checked against what that gateway really does to the
 * same statement's rows (node-postgres through the gateway, beside a direct
 * connection).
 */
const MAIN = join(__dirname, '../dist/main.js');
const run = promisify(execFile);
const S = `gh_explain_${process.pid}_${Math.floor(Math.random() * 1e6)}`;

const SETUP = `
  create schema ${S};
  create table ${S}.users (id int primary key, email text, ssn text, name text, dob date, note_count int);
  insert into ${S}.users values (1, 'jane.doe@example.com', '536-22-8845', 'Jane Doe', '1985-03-14', 3);
  create table ${S}.orders (id int primary key, reference text, total numeric(10,2));
  insert into ${S}.orders values (1, 'ORD-2024-0001', 12.50);
  create view ${S}.people as select id, email, name, ssn from ${S}.users;
  create view ${S}.people_again as select id, email, name from ${S}.people;
  create view ${S}.contacts as select id, email as contact, lower(name) as who from ${S}.users;
  create view ${S}.c2 as select id, contact, who from ${S}.contacts;
  create view ${S}.c3 as select id, who as handle from ${S}.c2;
`;

describe('explain: masking of result columns (CLI and POST /v1/explain, checked against the live gateway)', () => {
  const tmp = tempDir('gh-explain-masking-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  const direct = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  let gateway: RunningGateway;
  let keys: DevIssuerKeys;
  let pgPort: number;
  let controlPort: number;

  const token = (subject: string, groups: string[]): Promise<string> =>
    signDevToken(keys, {
      issuer: 'gatehouse-dev',
      audience: 'gatehouse',
      subject,
      groups,
      groupsClaim: 'groups',
      ttlSeconds: 300,
    });

  beforeAll(async () => {
    await direct.connect();
    await direct.query(SETUP);
    pgPort = await freePort();
    controlPort = await freePort();
    // Nothing listens on this port: the target cannot be reached.
    const downPort = await freePort();
    writeFileSync(
      file,
      `
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [ops] }
identity:
  issuers: [ { issuer: gatehouse-dev, dev: true, audience: gatehouse, key_dir: ./keys } ]
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
  - { name: down, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: ${downPort}, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { file: ./audit.jsonl }
policy:
  rules:
    - { id: no-guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: reads, when: { kinds: [read] }, action: allow }
masking:
  unmasked_groups: [dba]
  columns: [ { table: ${S}.orders, column: reference, mask: redact } ]
`,
    );
    gateway = await startGateway({ configFile: file, logger: silentLogger });
    keys = await ensureDevIssuer(join(tmp.dir, 'keys'));
  });

  afterAll(async () => {
    await gateway?.stop();
    await direct.query(`drop schema if exists ${S} cascade`);
    await direct.end();
    tmp.cleanup();
  });

  async function cli(args: readonly string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [MAIN, 'explain', '--config', file, ...args], {
      cwd: tmp.dir,
    });
    return stdout;
  }

  /** The report from the built CLI and from the route: they must be the same object. */
  async function explain(sql: string, groups: string[], target = 'local'): Promise<ExplainReport> {
    const args = ['--json', '--as', 'alice', '--groups', groups.join(','), '--target', target, sql];
    const fromCli = JSON.parse(await cli(args)) as ExplainReport;
    const res = await fetch(`http://127.0.0.1:${controlPort}/v1/explain`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token('root', ['ops'])}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ identity: 'alice', groups, target, sql }),
    });
    expect(res.status).toBe(200);
    const fromRoute = (await res.json()) as ExplainReport;
    // Under jest, node's socket errors come from another realm and the engine words them "Error: connect ...".
    const reason = fromRoute.masking.reason.replace(': Error: connect', ': connect');
    expect({ ...fromRoute, masking: { ...fromRoute.masking, reason } }).toEqual(fromCli);
    return fromCli;
  }

  /** The first row as the server's text, through the gateway as `groups` and straight from PostgreSQL. */
  async function rows(sql: string, groups: string[]): Promise<{ live: string[]; raw: string[] }> {
    const textRow = async (c: Client): Promise<string[]> => {
      const r = await c.query({
        text: sql,
        rowMode: 'array',
        types: { getTypeParser: () => (v: string) => v },
      });
      return r.rows[0] as string[];
    };
    const client = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: 'alice',
      password: await token('alice', groups),
      database: 'local',
    });
    await client.connect();
    try {
      return { live: await textRow(client), raw: await textRow(direct) };
    } finally {
      await client.end();
    }
  }

  /** Explain's verdict for each column agrees with what the gateway does to the values. */
  async function agreesWithLive(
    sql: string,
    groups: string[],
    columns: readonly ExplainedColumn[],
  ): Promise<void> {
    const { live, raw } = await rows(sql, groups);
    expect(live.length).toBe(columns.length);
    columns.forEach((c, i) => {
      if (!c.masked) expect([c.name, live[i]]).toEqual([c.name, raw[i]]);
      else if (c.example !== null && c.mask !== 'scan')
        expect([c.name, live[i]]).not.toEqual([c.name, raw[i]]);
    });
  }

  const byName = (columns: readonly ExplainedColumn[]) => Object.fromEntries(columns.map((c) => [c.name, c]));

  it('select email, id from users: email masked by its name, with an example; id not masked', async () => {
    const sql = `select email, id from ${S}.users`;
    const report = await explain(sql, ['dev']);
    expect(report.masking).toMatchObject({
      status: 'evaluated',
      reason: '1 of 2 result columns masked for alice',
    });
    const [result] = report.masking.results;
    expect(result).toMatchObject({ index: 1, status: 'evaluated' });
    expect(result!.columns).toEqual([
      {
        name: 'email',
        type: 'text',
        lineage: 'direct',
        source: `${S}.users.email`,
        sources: [`${S}.users.email`],
        masked: true,
        mask: 'email',
        example: { value: 'jane.doe@example.com', masked: 'j***@example.com' },
        reason: 'column "email" ends in "email"',
      },
      {
        name: 'id',
        type: 'integer',
        lineage: 'direct',
        source: `${S}.users.id`,
        sources: [`${S}.users.id`],
        masked: false,
        mask: null,
        example: null,
        reason: 'its name marks nothing sensitive, and integer values are not scanned',
      },
    ]);
    await agreesWithLive(sql, ['dev'], result!.columns);
    expect((await rows(sql, ['dev'])).live).toEqual(['j***@example.com', '1']);
  });

  it('select lower(email) from users: computed from users.email, masked as an email', async () => {
    const sql = `select lower(email) from ${S}.users`;
    const report = await explain(sql, ['dev']);
    const [column] = report.masking.results[0]!.columns;
    expect(column).toMatchObject({
      name: 'lower',
      lineage: 'derived',
      source: `computed from ${S}.users.email`,
      masked: true,
      mask: 'email',
      reason: `derived from ${S}.users.email: column "email" ends in "email"`,
    });
    await agreesWithLive(sql, ['dev'], report.masking.results[0]!.columns);
  });

  it('a view over a view: the columns of the table underneath are masked through both views', async () => {
    const sql = `select * from ${S}.people_again`;
    const report = await explain(sql, ['dev']);
    const columns = report.masking.results[0]!.columns;
    expect(byName(columns)).toMatchObject({
      id: { masked: false, view: `${S}.people_again` },
      email: { masked: true, mask: 'email', view: `${S}.people_again` },
      name: { masked: true, mask: 'person_name', view: `${S}.people_again` },
    });
    // Followed through both definitions to the table's column.
    expect(byName(columns).email!.reason).toMatch(/^column email of view .*people_again is .*users\.email; /);
    await agreesWithLive(sql, ['dev'], columns);
    expect((await rows(sql, ['dev'])).live).toEqual(['1', 'j***@example.com', 'J***']);
  });

  it('a column renamed by views over views, and an expression over a view column: masked as users.name', async () => {
    const sql = `select c.handle, upper(k.who) as shout, c.id from ${S}.c3 c join ${S}.contacts k using (id)`;
    const report = await explain(sql, ['dev']);
    const columns = report.masking.results[0]!.columns;
    expect(byName(columns)).toMatchObject({
      handle: {
        masked: true,
        mask: 'person_name',
        lineage: 'derived',
        view: `${S}.c3`,
        sources: [`${S}.users.name`],
        reason: `column handle of view ${S}.c3 is computed from ${S}.users.name; derived from ${S}.users.name: column "name" is the name of a person (table of user rows)`,
      },
      shout: {
        masked: true,
        mask: 'person_name',
        lineage: 'derived',
        source: `computed from ${S}.users.name`,
      },
      id: { masked: false },
    });
    await agreesWithLive(sql, ['dev'], columns);
    expect((await rows(sql, ['dev'])).live).toEqual(['j***', 'J***', '1']);
  });

  it('an explicit masking.columns rule, and several statements described one by one', async () => {
    const sql = `select reference, total from ${S}.orders; select ssn, dob from ${S}.users where id = 1`;
    const report = await explain(sql, ['dev']);
    expect(report.masking.results.map((r) => r.columns.map((c) => [c.name, c.mask]))).toEqual([
      [
        ['reference', 'redact'],
        ['total', null],
      ],
      [
        ['ssn', 'us_ssn'],
        ['dob', 'date_of_birth'],
      ],
    ]);
    expect(report.masking.results[0]!.columns[0]!.reason).toBe(
      `masking.columns rule for ${S}.orders.reference`,
    );
    await agreesWithLive(
      `select reference, total from ${S}.orders`,
      ['dev'],
      report.masking.results[0]!.columns,
    );
  });

  it('an identity in an unmasked group: nothing is masked, and the report says why', async () => {
    const sql = `select email, id from ${S}.users`;
    const report = await explain(sql, ['dba']);
    expect(report.masking).toEqual({
      status: 'unmasked',
      reason: 'alice is in dba, one of masking.unmasked_groups: results pass unmasked',
      results: [],
    });
    const { live, raw } = await rows(sql, ['dba']);
    expect(live).toEqual(raw);
  });

  it('a denied statement: masking is not evaluated, because it never runs', async () => {
    const report = await explain(`delete from ${S}.users`, ['dev']);
    expect(report.client.outcome).toBe('error');
    expect(report.masking).toEqual({
      status: 'not-evaluated',
      reason: 'the statement is denied (rule no-guardrails), so it never runs and returns nothing',
      results: [],
    });
  });

  it('an unreachable target: masking is unavailable with the reason, never "nothing masked"', async () => {
    const report = await explain(`select email from ${S}.users`, ['dev'], 'down');
    expect(report.client.outcome).toBe('runs');
    expect(report.masking.status).toBe('unavailable');
    expect(report.masking.reason).toMatch(
      /^the target cannot be reached to describe the results: .*ECONNREFUSED/,
    );
    expect(report.masking.results).toEqual([]);
  });

  it('a statement the target cannot describe is unavailable; the others are described', async () => {
    const report = await explain(`select email from ${S}.missing; select 1 as n`, ['dev']);
    expect(report.masking.status).toBe('evaluated');
    expect(report.masking.results[0]).toEqual({
      index: 1,
      status: 'unavailable',
      reason: `the target could not describe it: relation "${S}.missing" does not exist (SQLSTATE 42P01)`,
      columns: [],
    });
    expect(report.masking.results[1]).toMatchObject({ index: 2, status: 'evaluated' });
  });

  it('prints the masked columns, their sources, the mask format and why', async () => {
    const out = await cli([
      '--as',
      'alice',
      '--groups',
      'dev',
      '--target',
      'local',
      `select email, id from ${S}.users`,
    ]);
    const masking = out.slice(out.indexOf('masking:'));
    expect(masking).toBe(
      [
        'masking:  evaluated: 1 of 2 result columns masked for alice',
        '  statement 1: 2 columns, 1 masked',
        `    email  text     ${S}.users.email`,
        '           masked: email   jane.doe@example.com -> j***@example.com',
        '           why:    column "email" ends in "email"',
        `    id     integer  ${S}.users.id`,
        '           not masked: its name marks nothing sensitive, and integer values are not scanned',
        '',
      ].join('\n'),
    );
  });
});
