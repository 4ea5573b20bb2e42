import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApprovalService } from '@gatehouse/approvals';
import type { StatementFacts } from '@gatehouse/sql-core';
import { approvalInstanceId, approvalServiceOptions } from '../../src/approvals/approval-settings';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/testing/free-port';
import { silentLogger, tempDir } from '../../src/testing/test-support';
import {
  api,
  auditRecords,
  connectAs,
  deleteKeys,
  direct,
  eventually,
  gatewayConfig,
  outcome,
  startTestGateway,
  tableName,
  useKeyPrefix,
  type TestGateway,
} from './approvals-kit';

/**
 * Several gateway instances on one Redis: a statement held by one is decided
 * through the other's control API; a restarted instance withdraws what its
 * earlier run held; a stopping instance withdraws what it holds.
 */
describe('approvals across gateway instances', () => {
  const prefix = useKeyPrefix();
  const tables: string[] = [];
  const started: TestGateway[] = [];

  async function newTable(label: string): Promise<string> {
    const name = tableName('apr', label);
    tables.push(name);
    await direct((c) =>
      c.query(`CREATE TABLE ${name} (id int PRIMARY KEY, v text); INSERT INTO ${name} VALUES (1, 'before')`),
    );
    return name;
  }
  const valueOf = (table: string) =>
    direct(
      async (c) => (await c.query(`SELECT v FROM ${table} WHERE id = 1`)).rows[0]?.v as string | undefined,
    );
  const start = async (...args: Parameters<typeof startTestGateway>) => {
    const gw = await startTestGateway(...args);
    started.push(gw);
    return gw;
  };

  afterAll(async () => {
    await Promise.all(started.map((g) => g.cleanup()));
    try {
      await direct((c) => c.query(tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join('; ') || 'SELECT 1'));
    } finally {
      await deleteKeys(prefix);
    }
  });

  it("a statement held on one gateway runs when approved through the other gateway's API, and the reverse", async () => {
    const a = await start();
    const b = await start();
    for (const [holder, decider] of [
      [a, b],
      [b, a],
    ] as const) {
      const table = await newTable('twogw');
      const alice = await connectAs(holder, 'alice');
      try {
        const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1 RETURNING v`);
        const id = await alice.nextApprovalId();
        const seen = await api(decider, 'bob', 'GET', `/v1/approvals/${id}`);
        expect(seen.body).toMatchObject({
          status: 'pending',
          holder: { instance: expect.stringContaining(`:${holder.pgPort}/w0`) },
        });
        expect((await api(decider, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).status).toBe(200);
        expect(await running).toEqual({ rows: [{ v: 'after' }], command: 'UPDATE' });
        expect(await valueOf(table)).toBe('after');
      } finally {
        await alice.client.end();
      }
    }
  });

  it('a stopping gateway withdraws the statements it holds; they never run', async () => {
    const gw = await start();
    const table = await newTable('stop');
    const alice = await connectAs(gw, 'alice');
    const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
    const id = await alice.nextApprovalId();
    await gw.stop();
    expect(await running).toEqual({
      code: '57P01',
      message: 'gatehouse: terminating connection: the gateway is shutting down',
    });
    const other = started[0]!;
    expect((await api(other, 'bob', 'GET', `/v1/approvals/${id}`)).body.status).toBe('withdrawn');
    expect((await api(other, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).body.error).toBe(
      'not_pending',
    );
    expect(await valueOf(table)).toBe('before');
    expect(
      auditRecords(gw.auditFile)
        .filter((r) => r.approval_id === id)
        .map((r) => r.type),
    ).toEqual(['approval.requested', 'statement.intent', 'approval.withdrawn']);
  });

  it('a restarted gateway withdraws the pending requests its earlier run held', async () => {
    const tmp = tempDir('gh-approvals-restart-');
    try {
      const pgPort = await freePort();
      const controlPort = await freePort();
      const auditFile = join(tmp.dir, `audit-${pgPort}.jsonl`);
      const configFile = join(tmp.dir, 'earlier.yaml');
      writeFileSync(configFile, gatewayConfig({ pgPort, controlPort, auditFile }));
      const config = loadConfig(configFile);
      // The earlier run of this gateway (same host, port and worker): it held a request, then died.
      const earlier = new ApprovalService(
        approvalServiceOptions(config.approvals!, {
          env: process.env,
          logger: silentLogger,
          instanceId: approvalInstanceId(config, { worker: 0 }),
          engineProcess: false,
        }),
      );
      await earlier.start();
      const facts: StatementFacts = {
        kind: 'write',
        command: 'UPDATE',
        tablesRead: [],
        tablesWritten: [{ schema: null, name: 'gh_apr_gone' }],
        columns: [],
        functions: [],
        guardrails: [],
        fingerprint: 'fp-gone',
        normalized: 'UPDATE gh_apr_gone SET v = $1',
      };
      const orphan = await earlier.create({
        requester: { subject: 'alice', groups: ['ci'] },
        target: { name: 'local', engine: 'postgres', environment: 'production' },
        database: 'test',
        sql: "UPDATE gh_apr_gone SET v = 'x'",
        statements: [facts],
        ruleId: 'reviewed-writes',
        reason: 'writes to these tables need review',
      });
      await earlier.close();

      const restarted = await start({ dir: tmp.dir, pgPort, controlPort });
      await eventually(
        async () =>
          (await api(restarted, 'bob', 'GET', `/v1/approvals/${orphan.id}`)).body.status === 'withdrawn',
      );
      const history = (await api(restarted, 'bob', 'GET', `/v1/approvals/${orphan.id}`)).body.history as {
        type: string;
        reason: string;
      }[];
      expect(history.map((h) => [h.type, h.reason])).toEqual([
        ['requested', 'writes to these tables need review'],
        ['withdrawn', 'shutdown'],
      ]);
      await restarted.stop();
      expect(auditRecords(restarted.auditFile).filter((r) => r.approval_id === orphan.id)).toEqual([
        expect.objectContaining({ type: 'approval.withdrawn', why: 'shutdown' }),
      ]);
    } finally {
      tmp.cleanup();
    }
  });
});
