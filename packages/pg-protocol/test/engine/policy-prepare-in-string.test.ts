import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPolicyGateway, type PolicyGateway } from './policy-fixture';

const run = promisify(execFile);

/**
 * `PREPARE x AS ...; EXECUTE x` in one simple Query (psql -c): the EXECUTE is
 * judged as what the PREPARE before it in the same string prepared, so a read
 * runs and a write cannot be smuggled through it.
 */
describe('PREPARE and EXECUTE in one psql -c string', () => {
  let p: PolicyGateway;
  let open: string;
  let other: string;

  beforeAll(async () => {
    p = await startPolicyGateway('prep1');
    ({ open, other } = p.tables);
  });
  afterAll(() => p.stop());
  beforeEach(async () => {
    await p.reset();
    await p.direct.query(`insert into ${open} values (1), (2); insert into ${other} values (1), (2)`);
  });

  /** One psql session; each string is one simple Query. */
  async function psql(...sql: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const conn = `host=127.0.0.1 port=${p.gw.port} dbname=local user=alice sslmode=disable`;
    try {
      const { stdout, stderr } = await run('psql', [conn, '-X', '-At', ...sql.flatMap((s) => ['-c', s])], {
        env: { ...process.env, PGPASSWORD: 'token-alice', PGCONNECT_TIMEOUT: '5' },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('runs a prepared read executed in the same string', async () => {
    const r = await psql(
      `prepare q as select id from ${open} where id > $1 order by id; execute q(0); deallocate q`,
    );
    // psql prints every result of the string.
    expect(r).toEqual({ code: 0, stdout: 'PREPARE\n1\n2\nDEALLOCATE\n', stderr: '' });
  });

  it('judges the EXECUTE as the write it runs: denied, and nothing of the string runs', async () => {
    const guarded = await psql(`prepare d as delete from ${open}; execute d`);
    expect(guarded.code).toBe(1);
    expect(guarded.stderr).toMatch(
      /^ERROR: {2}gatehouse: PREPARE on .* is blocked by guardrail delete-without-where: .*\(rule no-guardrails\)\n$/,
    );
    const unlisted = await psql(`prepare d as delete from ${other} where id = 1; execute d`);
    expect(unlisted.code).toBe(1);
    expect(unlisted.stderr).toMatch(/\(rule default-deny\)\n$/);
    expect(await p.ids(open)).toEqual([1, 2]);
    expect(await p.ids(other)).toEqual([1, 2]);
  });

  it('an EXECUTE after DEALLOCATE in the same string is not the statement the session prepared', async () => {
    for (const deallocate of ['deallocate q', 'deallocate all', 'discard all']) {
      const r = await psql(`prepare q as select 1`, `${deallocate}; execute q`);
      expect(r.code).toBe(1);
      // Refused by the gateway (the server would have said: prepared statement "q" does not exist).
      expect(r.stderr).toMatch(
        /^ERROR: {2}gatehouse: the statement could not be analysed.*\(rule no-guardrails\)\n$/,
      );
    }
  });
});
