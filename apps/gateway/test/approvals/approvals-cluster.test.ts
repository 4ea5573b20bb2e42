import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/testing/free-port';
import { tempDir } from '../../src/testing/test-support';
import {
  api,
  auditRecords,
  connectAs,
  deleteKeys,
  direct,
  gatewayConfig,
  outcome,
  tableName,
  useKeyPrefix,
  type HeldClient,
} from './approvals-kit';

/**
 * The real `gatehouse start` (built dist) with two workers: statements wait in
 * the worker processes, the control API runs in the primary, and approvals
 * reach the holding worker through Redis. Each worker records its own
 * statements' approval stories in its own audit file.
 */
const MAIN = join(__dirname, '../../dist/main.js');

describe('approvals with workers: 2', () => {
  const prefix = useKeyPrefix();
  const tmp = tempDir('gh-approvals-cluster-');
  const table = tableName('apr', 'cluster');
  let gateway: ChildProcess;
  let output = '';
  const gw = { pgPort: 0, controlPort: 0 };
  const auditFile = join(tmp.dir, 'audit.jsonl');

  beforeAll(async () => {
    gw.pgPort = await freePort();
    gw.controlPort = await freePort();
    writeFileSync(join(tmp.dir, 'gatehouse.yaml'), gatewayConfig({ ...gw, auditFile, workers: 2 }));
    await direct((c) =>
      c.query(
        `CREATE TABLE ${table} (id int PRIMARY KEY, v text); INSERT INTO ${table} SELECT g, 'before' FROM generate_series(1, 4) g`,
      ),
    );
    gateway = spawn(process.execPath, [MAIN, 'start', '--config', join(tmp.dir, 'gatehouse.yaml')], {
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 150 && !output.includes('workers ready'); i++)
      await new Promise((r) => setTimeout(r, 100));
    if (!output.includes('workers ready')) throw new Error(`gatehouse did not start:\n${output}`);
  }, 30_000);

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGKILL');
      await new Promise((r) => gateway.once('exit', r));
    }
    try {
      await direct((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
    } finally {
      await deleteKeys(prefix);
      tmp.cleanup();
    }
  });

  it('statements held in either worker run when approved through the primary', async () => {
    const clients: HeldClient[] = [];
    for (let i = 0; i < 4; i++) clients.push(await connectAs(gw, 'alice'));
    try {
      const workers = new Set(
        clients.map((c) => ((c.client as unknown as { processID: number }).processID >>> 23) & 0xff),
      );
      expect(workers).toEqual(new Set([1, 2]));
      const running = clients.map((c, i) =>
        outcome(c.client, `UPDATE ${table} SET v = 'after' WHERE id = ${i + 1} RETURNING id`),
      );
      const ids = await Promise.all(clients.map((c) => c.nextApprovalId()));
      const holders = new Set<string>();
      for (const id of ids) {
        const approved = await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {});
        expect(approved.body.status).toBe('approved');
        holders.add(String(approved.body.holder.instance).replace(/^.*\//, ''));
      }
      expect(holders).toEqual(new Set(['w1', 'w2']));
      expect(await Promise.all(running)).toEqual(
        [1, 2, 3, 4].map((id) => ({ rows: [{ id }], command: 'UPDATE' })),
      );

      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
      const executed = [1, 2].flatMap((w) =>
        auditRecords(join(tmp.dir, `audit.w${w}.jsonl`))
          .filter((r) => r.type === 'approval.executed')
          .map((r) => r.approval_id),
      );
      expect(executed.sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all(clients.map((c) => c.client.end().catch(() => undefined)));
    }
  });
});
