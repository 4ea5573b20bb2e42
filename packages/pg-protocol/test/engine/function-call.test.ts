import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { BackendCode, decodeErrorFields, encodeFunctionCall, encodeQuery } from '../../src/codec';
import { startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { startPolicyGateway, type PolicyGateway } from './policy-fixture';
import { RawClient } from './wire';

const run = promisify(execFile);

/** psql's large-object commands call lo_creat, lo_open, lowrite, loread, lo_close, lo_unlink by fast path (PQfn). */
async function psql(
  port: number,
  token: string,
  command: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const conn = `host=127.0.0.1 port=${port} dbname=local user=alice sslmode=disable`;
  try {
    const { stdout, stderr } = await run(
      'psql',
      [conn, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', command],
      {
        env: { ...process.env, PGPASSWORD: token, PGCONNECT_TIMEOUT: '5' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const direct = (): Client =>
  new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });

/** The large objects this run created that still exist. */
async function largeObjects(c: Client): Promise<number[]> {
  const r = await c.query<{ oid: string }>(
    'select oid::int8 as oid from pg_largeobject_metadata where oid = any($1::oid[]) order by 1',
    [created],
  );
  return r.rows.map((row) => Number(row.oid));
}

const created: number[] = [];

describe('fast-path FunctionCall: judged as the SELECT of the function it names', () => {
  let work: string;
  let file: string;
  let masking: MaskingGateway;
  let policy: PolicyGateway;
  let db: Client;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gatehouse-fcall-'));
    file = join(work, 'in.txt');
    writeFileSync(file, 'large object body\n'.repeat(100));
    masking = await startMaskingGateway();
    policy = await startPolicyGateway('fcall');
    db = direct();
    await db.connect();
  });
  afterAll(async () => {
    for (const oid of created)
      await db.query(
        'select lo_unlink($1) where exists (select 1 from pg_largeobject_metadata where oid = $1)',
        [oid],
      );
    await db.end();
    await masking.stop();
    await policy.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('an unmasked identity imports, exports and unlinks a large object through psql', async () => {
    const imported = await psql(masking.port, 'token-dba', `\\lo_import '${file}'`);
    expect(imported.stderr).toBe('');
    const oid = Number(/lo_import (\d+)/.exec(imported.stdout)?.[1]);
    expect(oid).toBeGreaterThan(0);
    created.push(oid);
    const out = join(work, 'out.txt');
    const exported = await psql(masking.port, 'token-dba', `\\lo_export ${oid} '${out}'`);
    expect(exported.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(file, 'utf8'));
    expect((await psql(masking.port, 'token-dba', `\\lo_unlink ${oid}`)).stdout).toContain(
      `lo_unlink ${oid}`,
    );
    expect(await largeObjects(db)).toEqual([]);

    // Audited as what they are: the function's SELECT, source function_call.
    const calls = masking.audit.filter((e) => e.type === 'statement.intent' && e.source === 'function_call');
    const sql = calls.flatMap((e) => (e.type === 'statement.intent' ? e.statements.map((s) => s.sql) : []));
    expect(sql).toEqual(
      expect.arrayContaining([
        'SELECT "pg_catalog"."lo_creat"($1)',
        'SELECT "pg_catalog"."lowrite"($1, $2)',
        'SELECT "pg_catalog"."loread"($1, $2)',
        'SELECT "pg_catalog"."lo_unlink"($1)',
      ]),
    );
    expect(calls.every((e) => e.type === 'statement.intent' && e.decision === 'allow')).toBe(true);
  });

  it('a masked identity may write by fast path, but not read data it would get unmasked', async () => {
    const imported = await psql(masking.port, 'token-dev', `\\lo_import '${file}'`);
    expect(imported.stderr).toBe('');
    const oid = Number(/lo_import (\d+)/.exec(imported.stdout)?.[1]);
    created.push(oid);
    const exported = await psql(masking.port, 'token-dev', `\\lo_export ${oid} '${join(work, 'leak.txt')}'`);
    expect(exported.code).not.toBe(0);
    expect(exported.stderr).toContain(
      'gatehouse: the result of pg_catalog.loread called by fast path cannot be masked; call it with SELECT instead (rule masking-unmaskable)',
    );
  });

  it('a masked identity may not call by fast path a function the catalog cannot name (its result could be anything)', async () => {
    // allowAll lets unknown statements through: only masking stands in the way.
    const c = await RawClient.login(masking.port, 'token-dev');
    c.socket.write(
      encodeFunctionCall({ functionOid: 4_000_000_001, argumentFormats: [], arguments: [], resultFormat: 0 }),
    );
    const answer = await c.until(BackendCode.ReadyForQuery);
    const error = answer.find((m) => m.code === BackendCode.ErrorResponse);
    expect(error && decodeErrorFields(error.payload)).toMatchObject({
      code: '42501',
      message:
        'gatehouse: the function called by fast path is not known, so its result cannot be masked (rule masking-unmaskable)',
    });
    c.socket.end();
  });

  it('policy applies: a write the rules do not allow is denied, and nothing is created', async () => {
    const before = (await db.query('select count(*)::int as n from pg_largeobject_metadata')).rows[0] as {
      n: number;
    };
    const r = await psql(policy.gw.port, 'token-alice', `\\lo_import '${file}'`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ERROR: {2}gatehouse: .*\(rule default-deny\)/);
    const after = (await db.query('select count(*)::int as n from pg_largeobject_metadata')).rows[0] as {
      n: number;
    };
    expect(after.n).toBe(before.n);
  });

  it('a function the catalog does not know is unknown, denied in place; the session goes on', async () => {
    const c = await RawClient.login(policy.gw.port);
    c.socket.write(
      encodeFunctionCall({ functionOid: 4_000_000_000, argumentFormats: [], arguments: [], resultFormat: 0 }),
    );
    const first = await c.until(BackendCode.ReadyForQuery);
    const error = first.find((m) => m.code === BackendCode.ErrorResponse);
    expect(error && decodeErrorFields(error.payload)).toMatchObject({ code: '42501' });
    expect(error && decodeErrorFields(error.payload).message).toMatch(/^gatehouse: /);
    c.take();
    // Resolved OIDs are cached; a known function answers (pg_backend_pid is a read).
    const pid = (await db.query("select 'pg_catalog.pg_backend_pid'::regproc::oid::int8 as oid")).rows[0] as {
      oid: string;
    };
    for (let i = 0; i < 2; i++) {
      c.socket.write(
        encodeFunctionCall({
          functionOid: Number(pid.oid),
          argumentFormats: [],
          arguments: [],
          resultFormat: 0,
        }),
      );
      const answer = await c.until(BackendCode.ReadyForQuery);
      expect(answer.map((m) => m.code)).toEqual([
        BackendCode.FunctionCallResponse,
        BackendCode.ReadyForQuery,
      ]);
      c.take();
    }
    c.socket.write(encodeQuery('select 1'));
    expect((await c.until(BackendCode.ReadyForQuery)).some((m) => m.code === BackendCode.DataRow)).toBe(true);
    c.socket.end();
  });
});
