import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { CancelKeyRegistry } from '@gatehouse/pg-protocol';
import { freePort } from '../../src/testing/free-port';
import { tempDir } from '../../src/testing/test-support';

/**
 * The built `gatehouse start` with two worker processes: POST
 * /v1/policy/reload answers only once every worker has applied (or refused)
 * the file, sessions in both workers are kept, and each worker records the
 * reload in its own audit chain. Needs `pnpm build` first.
 */
const MAIN = join(__dirname, '../../dist/main.js');
const TOKEN = `policy-cluster-${process.pid}-${Date.now()}`;
const TABLE = `gh_policy_cluster_${process.pid}`;

describe('POST /v1/policy/reload with workers: 2', () => {
  const tmp = tempDir('gh-policy-cluster-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  let pgPort: number;
  let controlPort: number;
  let gateway: ChildProcess;
  let output = '';
  const direct = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });

  const configText = (rules: string) => `workers: 2
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [ops] }
identity:
  service_tokens: [ { name: ops-bot, sha256: "${createHash('sha256').update(TOKEN).digest('hex')}", groups: [ops] } ]
targets:
  - { name: local, engine: postgres, environment: test, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { file: ./audit.jsonl }
policy:
  rules:
    - { id: guardrails, when: { guardrails: ["*"] }, action: deny }
${rules}    - { id: reads, when: { kinds: [read] }, action: allow }
`;

  const reload = async () => {
    const res = await fetch(`http://127.0.0.1:${controlPort}/v1/policy/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    await direct.connect();
    await direct.query(`drop table if exists ${TABLE}; create table ${TABLE} (id int)`);
    pgPort = await freePort();
    controlPort = await freePort();
    writeFileSync(file, configText(''));
    gateway = spawn(process.execPath, [MAIN, 'start', '--config', file], {
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 150 && !output.includes('workers ready') && gateway.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!output.includes('workers ready')) throw new Error(`gatehouse did not start:\n${output}`);
  }, 30000);

  afterAll(async () => {
    if (gateway.exitCode === null) {
      gateway.kill('SIGKILL');
      await new Promise((r) => gateway.once('exit', r));
    }
    await direct.query(`drop table if exists ${TABLE}`);
    await direct.end();
    tmp.cleanup();
  });

  it('applies in every worker before answering, keeps every session, and each worker records it', async () => {
    // Connections are handed out across the workers; open until both hold sessions.
    const clients: Client[] = [];
    let afterSha = '';
    try {
      for (
        let i = 0;
        i < 16 && new Set(clients.map((c) => CancelKeyRegistry.workerOf(processId(c)))).size < 2;
        i++
      ) {
        const c = new Client({
          host: '127.0.0.1',
          port: pgPort,
          user: 'ci',
          password: TOKEN,
          database: 'local',
        });
        await c.connect();
        clients.push(c);
      }
      expect(new Set(clients.map((c) => CancelKeyRegistry.workerOf(processId(c))))).toEqual(new Set([1, 2]));
      const inserts = () =>
        Promise.all(
          clients.map((c) =>
            c.query(`insert into ${TABLE} values (1)`).then(
              () => 'ok',
              (e: { code?: string }) => e.code,
            ),
          ),
        );
      expect(new Set(await inserts())).toEqual(new Set(['42501']));

      writeFileSync(file, configText('    - { id: writes, when: { kinds: [write] }, action: permit }\n'));
      const bad = await reload();
      expect(bad.status).toBe(422);
      expect(bad.body.issues).toEqual([expect.stringContaining('policy.rules[1].action')]);
      expect(new Set(await inserts())).toEqual(new Set(['42501']));

      writeFileSync(
        file,
        configText(`    - { id: writes, when: { kinds: [write], tables: ["${TABLE}"] }, action: allow }\n`),
      );
      const good = await reload();
      expect(good.status).toBe(200);
      const after = (good.body.rules as { after: { rules: string[]; sha256: string } }).after;
      expect(after.rules).toEqual(['guardrails', 'writes', 'reads']);
      afterSha = after.sha256;
      expect(good.body.workers).toEqual([
        { worker: 1, applied: true, policy: after },
        { worker: 2, applied: true, policy: after },
      ]);
      // No polling: the answer came after both workers swapped their rules.
      expect(new Set(await inserts())).toEqual(new Set(['ok']));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }

    const exited = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const worker of [1, 2]) {
      const events = readFileSync(join(tmp.dir, `audit.w${worker}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.type === 'policy.reloaded');
      expect(events).toEqual([
        expect.objectContaining({
          ok: false,
          trigger: 'api',
          actor: 'ops-bot',
          rules: 2,
          error: expect.stringContaining('policy.rules[1].action'),
        }),
        expect.objectContaining({
          ok: true,
          trigger: 'api',
          actor: 'ops-bot',
          rules: 3,
          policy_sha256: afterSha,
        }),
      ]);
    }
  }, 30000);
});

function processId(c: Client): number {
  return (c as unknown as { processID: number }).processID;
}
