import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { runCli } from '../../src/cli';
import { ensureDevIssuer, signDevToken, type DevIssuerKeys } from '../../src/identity';
import { startGateway, type RunningGateway } from '../../src/runtime';
import { freePort } from '../../src/testing/free-port';
import { memoryIo } from '../../src/testing/memory-io';
import { silentLogger, tempDir } from '../../src/testing/test-support';

/**
 * The gateway as `gatehouse start` runs it in one process (real engine,
 * real PostgreSQL, node-postgres), driven through POST /v1/explain and
 * POST /v1/policy/reload.
 */
const TABLE = `gh_policy_reload_${process.pid}`;

function configText(pgPort: number, controlPort: number, rules: string): string {
  return `
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [dba] }
identity:
  issuers: [ { issuer: gatehouse-dev, dev: true, audience: gatehouse, key_dir: ./keys } ]
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { file: ./audit.jsonl }
policy:
  rules:
${rules}`;
}

const RULES_V1 = `    - { id: no-guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: reads, when: { kinds: [read] }, action: allow }
`;
const RULES_V2 = `    - { id: no-guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: dev-writes, when: { groups: [dev], tables: ["${TABLE}", "public.${TABLE}"], kinds: [write] }, action: allow }
    - { id: reads, when: { kinds: [read, session] }, action: allow }
`;
const RULES_BAD = `    - { id: no-guardrails, when: { guardrails: ["*"] }, action: block }
    - { id: reads, when: { kinds: [select] }, action: allow }
`;

describe('policy through the control API (one process, real engine)', () => {
  const tmp = tempDir('gh-policy-control-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  let pgPort: number;
  let controlPort: number;
  let gateway: RunningGateway;
  let keys: DevIssuerKeys;
  const direct = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });

  const token = (subject: string, groups: string[]) =>
    signDevToken(keys, {
      issuer: 'gatehouse-dev',
      audience: 'gatehouse',
      subject,
      groups,
      groupsClaim: 'groups',
      ttlSeconds: 300,
    });

  async function post(path: string, body: unknown, as: [string, string[]] | null = ['root', ['dba']]) {
    const headers: Record<string, string> = {};
    if (as) headers.authorization = `Bearer ${await token(...as)}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`http://127.0.0.1:${controlPort}/v1${path}`, {
      method: 'POST',
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function pgClient(subject: string, groups: string[]): Promise<Client> {
    const c = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: subject,
      password: await token(subject, groups),
      database: 'local',
    });
    await c.connect();
    return c;
  }

  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    );

  beforeAll(async () => {
    await direct.connect();
    await direct.query(
      `drop table if exists ${TABLE}; create table ${TABLE} (id int primary key, name text)`,
    );
    pgPort = await freePort();
    controlPort = await freePort();
    writeFileSync(file, configText(pgPort, controlPort, RULES_V1));
    gateway = await startGateway({ configFile: file, logger: silentLogger });
    keys = await ensureDevIssuer(join(tmp.dir, 'keys'));
  });

  afterAll(async () => {
    await gateway?.stop();
    await direct.query(`drop table if exists ${TABLE}`);
    await direct.end();
    tmp.cleanup();
  });

  it('documents both routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${controlPort}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    expect(doc.paths['/v1/explain']?.post?.tags).toEqual(['policy']);
    expect(doc.paths['/v1/policy/reload']?.post?.tags).toEqual(['policy']);
  });

  describe('POST /v1/explain', () => {
    it('answers the same report as gatehouse explain --json', async () => {
      const request = {
        identity: 'alice',
        groups: ['dev'],
        target: 'local',
        sql: `select name from ${TABLE}; delete from ${TABLE}`,
      };
      const api = await post('/explain', request);
      expect(api.status).toBe(200);
      const io = memoryIo(tmp.dir);
      const args = [
        'explain',
        '--config',
        file,
        '--json',
        '--as',
        'alice',
        '--groups',
        'dev',
        '--target',
        'local',
        request.sql,
      ];
      expect(await runCli(args, io)).toBe(0);
      expect(api.body).toEqual(JSON.parse(io.out));
      expect(api.body).toMatchObject({
        decision: { action: 'deny', ruleId: 'no-guardrails' },
        client: { outcome: 'error', sqlstate: '42501' },
        database: 'test',
        masking: { status: 'not-evaluated', results: [] },
      });
      expect((api.body.statements as unknown[]).length).toBe(2);
    });

    it('takes a database and judges with the rules in force', async () => {
      const res = await post('/explain', {
        identity: 'bob',
        target: 'local',
        database: 'other',
        sql: 'select 1',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        identity: { subject: 'bob', groups: [] },
        database: 'other',
        decision: { action: 'allow', ruleId: 'reads' },
      });
    });

    it('401 without a token, 403 outside control.admins', async () => {
      const body = { identity: 'a', target: 'local', sql: 'select 1' };
      expect((await post('/explain', body, null)).status).toBe(401);
      expect(await post('/explain', body, ['mallory', ['dev']])).toEqual({
        status: 403,
        body: { error: 'forbidden', message: 'this needs membership in an admin group (control.admins)' },
      });
    });

    it('400 for a malformed request, 422 for an unknown target', async () => {
      expect((await post('/explain', { identity: 'a', target: 'local' })).status).toBe(400);
      expect(
        await post('/explain', { identity: 'a', target: 'local', sql: 'select 1', databse: 'x' }),
      ).toEqual({
        status: 400,
        body: {
          error: 'bad_request',
          message: 'unknown key "databse" in the body; use identity, groups, target, database, sql',
        },
      });
      expect((await post('/explain', { identity: '', target: 'local', sql: 'select 1' })).status).toBe(400);
      expect(await post('/explain', { identity: 'a', target: 'nope', sql: 'select 1' })).toEqual({
        status: 422,
        body: { error: 'unknown_target', message: 'no target named "nope"; configured targets: local' },
      });
    });
  });

  describe('POST /v1/policy/reload', () => {
    it('keeps the rules on a bad file, swaps them on a good one, never drops the session, and records each attempt', async () => {
      const session = await pgClient('alice', ['dev']);
      try {
        const insert = (id: number) => outcome(session.query(`insert into ${TABLE} values ($1, 'x')`, [id]));
        expect(await outcome(session.query(`select * from ${TABLE}`))).toBe('ok');
        expect(await insert(1)).toMatch(
          /^42501: gatehouse: no policy rule allows INSERT on .* \(rule default-deny\)$/,
        );

        writeFileSync(file, configText(pgPort, controlPort, RULES_BAD));
        const bad = await post('/policy/reload', undefined);
        expect(bad.status).toBe(422);
        expect(bad.body).toMatchObject({
          error: 'invalid_config',
          message: 'the configuration file was refused; the running rules stay in force',
        });
        const issues = bad.body.issues as string[];
        expect(issues).toHaveLength(2);
        expect(issues[0]).toMatch(/^policy\.rules\[0\]\.action: /);
        expect(issues[1]).toMatch(/^policy\.rules\[1\]\.when\.kinds/);
        expect(await insert(2)).toMatch(/^42501: .*\(rule default-deny\)$/);
        expect(await outcome(session.query('select 1'))).toBe('ok');

        writeFileSync(file, configText(pgPort, controlPort, RULES_V2));
        const good = await post('/policy/reload', {});
        expect(good.status).toBe(200);
        expect(good.body).toEqual({
          applied: true,
          changed: true,
          rules: {
            before: { rules: ['no-guardrails', 'reads'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
            after: {
              rules: ['no-guardrails', 'dev-writes', 'reads'],
              sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
            },
            added: ['dev-writes'],
            removed: [],
            modified: ['reads'],
          },
          needsRestart: [],
          workers: [],
        });
        // The same session, now under the new rules.
        expect(await insert(3)).toBe('ok');
        expect(await outcome(session.query(`delete from ${TABLE}`))).toMatch(
          /^42501: .*\(rule no-guardrails\)$/,
        );

        // SIGHUP runs the same reload; an unchanged file changes nothing.
        const again = await gateway.reload();
        expect(again).toMatchObject({
          applied: true,
          policy: { changed: false, added: [], removed: [], modified: [] },
        });
        expect((await post('/policy/reload', undefined, ['mallory', ['dev']])).status).toBe(403);
      } finally {
        await session.end();
      }
      await gateway.stop();
      const events = readFileSync(join(tmp.dir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const reloads = events.filter((e) => e.type === 'policy.reloaded');
      expect(reloads).toEqual([
        expect.objectContaining({
          ok: false,
          trigger: 'api',
          actor: 'root',
          rules: 2,
          error: expect.stringContaining('policy.rules[0].action'),
        }),
        expect.objectContaining({
          ok: true,
          trigger: 'api',
          actor: 'root',
          rules: 3,
          error: null,
          policy_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
        expect.objectContaining({ ok: true, trigger: 'signal', actor: null, rules: 3, error: null }),
      ]);
      // The record sits between the last statement judged by the old rules and the first judged by the new.
      const intents = events.filter((e) => e.type === 'statement.intent' && e.subject === 'alice');
      const applied = events.indexOf(reloads[1]!);
      expect(intents.filter((e) => events.indexOf(e) < applied).map((e) => e.rule_id)).toEqual([
        'reads',
        'default-deny',
        'default-deny',
        'reads',
      ]);
      expect(intents.filter((e) => events.indexOf(e) > applied).map((e) => e.rule_id)).toEqual([
        'dev-writes',
        'no-guardrails',
      ]);
      const verify = memoryIo(tmp.dir);
      expect(await runCli(['audit', 'verify', join(tmp.dir, 'audit.jsonl')], verify)).toBe(0);
    });
  });
});
