import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The real `gatehouse start` (built dist) with two worker processes, driven
 * by node-postgres and the control API: sessions are gathered from both
 * workers, a CancelRequest reaches its session whichever worker receives it,
 * SIGHUP reloads, SIGTERM drains and exits.
 */
const MAIN = join(__dirname, '../dist/main.js');
const TOKEN = `cluster-test-${process.pid}-${Date.now()}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('gatehouse start with workers: 2', () => {
  let dir: string;
  let gateway: ChildProcess;
  let pgPort: number;
  let controlPort: number;
  let output = '';

  const configText = (extraRule = '') => `workers: 2
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [ops] }
identity:
  service_tokens: [ { name: cluster-test, sha256: "${createHash('sha256').update(TOKEN).digest('hex')}", groups: [ops] } ]
targets:
  - { name: local, engine: postgres, environment: test, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
policy:
  rules:
${extraRule}    - { id: guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: everything, when: { unknown: false }, action: allow }
audit: { file: ${join(mkdtempSync(join(tmpdir(), 'gh-audit-')), 'audit.jsonl')} }
`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-cluster-'));
    pgPort = await freePort();
    controlPort = await freePort();
    writeFileSync(join(dir, 'gatehouse.yaml'), configText());
    gateway = spawn(process.execPath, [MAIN, 'start', '--config', join(dir, 'gatehouse.yaml')], {
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 100 && !output.includes('workers ready'); i++)
      await new Promise((r) => setTimeout(r, 100));
    if (!output.includes('workers ready')) throw new Error(`gatehouse did not start:\n${output}`);
  }, 30000);

  afterAll(async () => {
    if (gateway.exitCode === null) {
      gateway.kill('SIGKILL');
      await new Promise((r) => gateway.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const terminated: string[] = [];
  const client = () => {
    const c = new Client({ host: '127.0.0.1', port: pgPort, user: 'ci', password: TOKEN, database: 'local' });
    // A session ended by the gateway (API DELETE, shutdown) reaches an idle client as an 'error' event.
    c.on('error', (err: Error & { code?: string }) => terminated.push(err.code ?? err.message));
    return c;
  };
  const api = (path: string, method = 'GET') =>
    fetch(`http://127.0.0.1:${controlPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}` },
    });

  it('runs statements in worker processes and lists sessions from both', async () => {
    const clients = [client(), client(), client(), client()];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const pids = await Promise.all(
        clients.map((c) => c.query('select pg_backend_pid() as p').then((r) => r.rows[0].p)),
      );
      expect(new Set(pids).size).toBe(4);
      const workers = new Set(
        clients.map((c) => ((c as unknown as { processID: number }).processID >>> 23) & 0xff),
      );
      expect(workers).toEqual(new Set([1, 2]));
      const body = (await (await api('/v1/sessions')).json()) as {
        sessions: { id: string; subject: string }[];
      };
      expect(body.sessions).toHaveLength(4);
      expect(body.sessions.every((s) => s.subject === 'cluster-test')).toBe(true);
      // Ending a session through the API reaches whichever worker holds it.
      const victim = body.sessions[0]!.id;
      expect((await api(`/v1/sessions/${victim}`, 'DELETE')).status).toBeLessThan(300);
      const after = (await (await api('/v1/sessions')).json()) as { sessions: { id: string }[] };
      expect(after.sessions.map((s) => s.id)).not.toContain(victim);
      for (let i = 0; i < 50 && !terminated.includes('57P01'); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(terminated).toContain('57P01');
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  });

  it('cancels a query whichever worker receives the CancelRequest', async () => {
    for (let i = 0; i < 4; i++) {
      const c = client();
      await c.connect();
      try {
        const running = c.query('select pg_sleep(20)').then(
          () => 'finished',
          (e: { code?: string }) => e.code,
        );
        await new Promise((r) => setTimeout(r, 150));
        const keys = c as unknown as { processID: number; secretKey: number };
        const packet = Buffer.alloc(16);
        packet.writeInt32BE(16, 0);
        packet.writeInt32BE(80877102, 4);
        packet.writeInt32BE(keys.processID, 8);
        packet.writeInt32BE(keys.secretKey, 12);
        await new Promise<void>((resolve) =>
          connect(pgPort, '127.0.0.1', function (this: Socket) {
            this.end(packet);
            this.on('close', () => resolve());
          }),
        );
        expect(await running).toBe('57014');
      } finally {
        await c.end();
      }
    }
  });

  it('reloads on SIGHUP in every worker, then drains and exits on SIGTERM', async () => {
    writeFileSync(
      join(dir, 'gatehouse.yaml'),
      configText(
        '    - { id: no-sleeping, when: { kinds: [read], tables: ["*.none"] }, action: allow }\n    - { id: no-temp, when: { tables: ["gh_forbidden"] }, action: deny }\n',
      ),
    );
    gateway.kill('SIGHUP');
    const clients = [client(), client()];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      for (let i = 0; i < 50; i++) {
        const results = await Promise.all(
          clients.map((c) =>
            c.query('select * from gh_forbidden').then(
              () => 'ran',
              (e: { code?: string }) => e.code,
            ),
          ),
        );
        if (results.every((r) => r === '42501')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const c of clients)
        await expect(c.query('select * from gh_forbidden')).rejects.toMatchObject({ code: '42501' });
      const exited = new Promise<number | null>((resolve) => gateway.once('exit', (code) => resolve(code)));
      gateway.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  }, 30000);
});
