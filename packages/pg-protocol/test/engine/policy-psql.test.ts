import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPolicyGateway, type PolicyGateway } from './policy-fixture';

const run = promisify(execFile);

/** Denials as psql users see them: `ERROR:  gatehouse: <reason> (rule <id>)`. */
describe('policy enforcement seen by psql', () => {
  let p: PolicyGateway;
  let open: string;

  beforeAll(async () => {
    p = await startPolicyGateway('psql');
    ({ open } = p.tables);
  });
  afterAll(() => p.stop());
  beforeEach(async () => {
    await p.reset();
    await p.direct.query(`insert into ${open} values (1), (2)`);
  });

  /** Runs psql; resolves with its exit code and output whether it failed or not. */
  async function psql(
    args: string[],
    stdin?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const conn = `host=127.0.0.1 port=${p.gw.port} dbname=local user=alice sslmode=disable`;
    const child = run('psql', [conn, '-X', '-At', ...args], {
      env: { ...process.env, PGPASSWORD: 'token-alice', PGCONNECT_TIMEOUT: '5' },
    });
    if (stdin !== undefined) child.child.stdin?.end(stdin);
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('shows the denial with its reason and rule, and exits 1 under ON_ERROR_STOP', async () => {
    const r = await psql(['-v', 'ON_ERROR_STOP=1', '-c', `delete from ${open}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `ERROR:  gatehouse: DELETE on ${open} is blocked by guardrail delete-without-where: DELETE has no WHERE clause and removes every row (rule no-guardrails)\n`,
    );
    const verbose = await psql(['-v', 'VERBOSITY=verbose', '-c', 'select * from ' + p.tables.secret]);
    expect(verbose.stderr).toContain(
      'ERROR:  42501: gatehouse: the secrets table is off limits (rule secrets)',
    );
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('a script: the denial fails the transaction, COMMIT reports ROLLBACK, and the script goes on', async () => {
    const r = await psql(
      ['-f', '-'],
      [
        'begin;',
        `insert into ${open} values (3);`,
        `drop table ${open};`,
        `insert into ${open} values (4);`,
        'commit;',
        `select string_agg(id::text, ',' order by id) from ${open};`,
      ].join('\n'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['BEGIN', 'INSERT 0 1', 'ROLLBACK', '1,2']);
    expect(r.stderr).toContain(`ERROR:  gatehouse: DROP TABLE on ${open} is blocked by guardrail drop-table`);
    expect(r.stderr).toContain(
      'ERROR:  current transaction is aborted, commands ignored until end of transaction block',
    );
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('a multi-statement -c string is judged whole: nothing of it runs', async () => {
    const r = await psql(['-c', `select 'ran'; insert into ${open} values (5); truncate ${open}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ERROR: {2}gatehouse: TRUNCATE TABLE on .* \(rule no-guardrails\)\n$/);
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('statements psql builds itself (\\gexec, variables) are judged like any other', async () => {
    const r = await psql(
      ['-f', '-'],
      [`\\set target ${open}`, `DrOp TaBlE :"target";`, `select 'delete from ${open}' \\gexec`].join('\n'),
    );
    const errors = r.stderr.trim().split('\n');
    expect(errors).toEqual([
      expect.stringMatching(/^psql:<stdin>:2: ERROR: {2}gatehouse: DROP TABLE .*\(rule no-guardrails\)$/),
      expect.stringMatching(/^psql:<stdin>:3: ERROR: {2}gatehouse: DELETE .*\(rule no-guardrails\)$/),
    ]);
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('PREPARE of a denied statement is denied, and so is its EXECUTE', async () => {
    const r = await psql(['-f', '-'], `prepare wipe as delete from ${open};\nexecute wipe;\n`);
    const errors = r.stderr.trim().split('\n');
    expect(errors).toEqual([
      expect.stringMatching(
        /^psql:<stdin>:1: ERROR: {2}gatehouse: PREPARE on .*delete-without-where.*\(rule no-guardrails\)$/,
      ),
      expect.stringMatching(/^psql:<stdin>:2: ERROR: {2}gatehouse: the statement could not be analysed/),
    ]);
    expect(await p.ids(open)).toEqual([1, 2]);
  });

  it('review without approvals configured tells the psql user approvals are not configured', async () => {
    const conn = `host=127.0.0.1 port=${p.gw.port} dbname=local user=ci sslmode=disable`;
    const created = `gh_pol_created_psql_${process.pid}`;
    const failed = await run('psql', [conn, '-X', '-At', '-c', `create table ${created} (id int)`], {
      env: { ...process.env, PGPASSWORD: 'token-ci', PGCONNECT_TIMEOUT: '5' },
    }).then(
      () => null,
      (e: { stderr: string }) => e.stderr,
    );
    expect(failed).toBe(
      `ERROR:  gatehouse: approval required (CREATE TABLE on ${created} requires approval) but approvals are not configured (rule ci-ddl)\n`,
    );
  });
});
