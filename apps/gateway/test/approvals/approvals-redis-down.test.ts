import { freePort } from '../../src/testing/free-port';
import {
  api,
  auditRecords,
  connectAs,
  deleteKeys,
  direct,
  eventually,
  outcome,
  startTestGateway,
  tableName,
  useKeyPrefix,
  type TestGateway,
} from './approvals-kit';
import { TcpRelay } from './tcp-relay';

/**
 * Redis unreachable: statements that need review are denied with a clear
 * reason, everything else runs, and requests already pending are intact
 * (and decidable) once Redis is back.
 */
describe('approvals when Redis is unreachable', () => {
  const prefix = useKeyPrefix();
  const tables: string[] = [];
  const started: TestGateway[] = [];

  async function newTable(kind: 'apr' | 'free', label: string): Promise<string> {
    const name = kind === 'free' ? `gh_free_${label}_${process.pid}` : tableName('apr', label);
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

  afterAll(async () => {
    await Promise.all(started.map((g) => g.cleanup()));
    try {
      await direct((c) => c.query(tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join('; ') || 'SELECT 1'));
    } finally {
      await deleteKeys(prefix);
    }
  });

  it('denies statements that need review with a clear reason; other statements run; the API answers 503', async () => {
    const closed = await freePort();
    const gw = await startTestGateway({
      redis: `redis://127.0.0.1:${closed}`,
      approvalsExtra: 'connect_timeout: 500ms',
    });
    started.push(gw);
    const reviewed = await newTable('apr', 'down');
    const free = await newTable('free', 'down');
    const alice = await connectAs(gw, 'alice');
    try {
      expect(await outcome(alice.client, `UPDATE ${reviewed} SET v = 'after' WHERE id = 1`)).toEqual({
        code: '42501',
        message:
          'gatehouse: approval required (writes to these tables need review) but the approval store is unreachable (rule reviewed-writes)',
      });
      expect(alice.notices).toEqual([]);
      expect(await outcome(alice.client, `UPDATE ${free} SET v = 'after' WHERE id = 1`)).toEqual({
        rows: [],
        command: 'UPDATE',
      });
      expect(await outcome(alice.client, `SELECT v FROM ${reviewed}`)).toEqual({
        rows: [{ v: 'before' }],
        command: 'SELECT',
      });
      expect(await valueOf(free)).toBe('after');
      expect(await api(gw, 'bob', 'GET', '/v1/approvals')).toEqual({
        status: 503,
        body: { error: 'store_unavailable', message: 'the approval store is unreachable; try again' },
      });
    } finally {
      await alice.client.end();
    }
    await gw.stop();
    const denied = auditRecords(gw.auditFile).find(
      (r) => r.type === 'statement.intent' && r.rule_id === 'reviewed-writes',
    );
    expect(denied).toMatchObject({ decision: 'deny', approval_id: null });
  });

  it('a statement waiting while Redis goes away keeps waiting, and runs when approved after Redis is back', async () => {
    const relay = new TcpRelay('127.0.0.1', 6379);
    await relay.listen();
    try {
      const gw = await startTestGateway({ redis: `redis://127.0.0.1:${relay.port}` });
      started.push(gw);
      const table = await newTable('apr', 'outage');
      const alice = await connectAs(gw, 'alice');
      const dave = await connectAs(gw, 'dave');
      try {
        let settled = false;
        const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`).finally(
          () => (settled = true),
        );
        const id = await alice.nextApprovalId();

        await relay.cut();
        expect((await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).status).toBe(503);
        // Meanwhile: new reviews are denied, other statements run.
        expect(await outcome(dave.client, `UPDATE ${table} SET v = 'dave' WHERE id = 1`)).toMatchObject({
          code: '42501',
          message: expect.stringContaining('the approval store is unreachable'),
        });
        expect(await outcome(dave.client, `SELECT v FROM ${table}`)).toEqual({
          rows: [{ v: 'before' }],
          command: 'SELECT',
        });
        expect(settled).toBe(false);

        await relay.listen();
        let approved = 0;
        await eventually(
          async () =>
            (approved = (
              await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'after the outage' })
            ).status) === 200,
          15_000,
        );
        expect(approved).toBe(200);
        expect(await running).toEqual({ rows: [], command: 'UPDATE' });
        expect(await valueOf(table)).toBe('after');
      } finally {
        await alice.client.end();
        await dave.client.end();
      }
    } finally {
      await relay.cut();
    }
  });
});
