import {
  api,
  auditRecords,
  connectAs,
  deleteKeys,
  direct,
  outcome,
  startTestGateway,
  tableName,
  useKeyPrefix,
  type TestGateway,
} from './approvals-kit';

/** approvals.timeout bounds the wait: nobody decides, the client gets 42501 saying it expired. */
describe('approval expiry', () => {
  const prefix = useKeyPrefix();
  let gw: TestGateway;
  const table = tableName('apr', 'expiry');

  beforeAll(async () => {
    // 10 s is the shortest timeout the config accepts.
    gw = await startTestGateway({ approvalsExtra: 'timeout: 10s' });
    await direct((c) =>
      c.query(
        `CREATE TABLE ${table} (id int PRIMARY KEY, v text); INSERT INTO ${table} VALUES (1, 'before')`,
      ),
    );
  });

  afterAll(async () => {
    await gw?.cleanup();
    await direct((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
    await deleteKeys(prefix);
  });

  it('a request nobody decides expires: the client gets 42501, later decisions are refused', async () => {
    const alice = await connectAs(gw, 'alice');
    try {
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
      const id = await alice.nextApprovalId();
      expect(alice.notices[0]).toMatch(/It expires at \d{4}-\d\d-\d\dT/);
      expect(await running).toEqual({
        code: '42501',
        message: `gatehouse: approval ${id} expired without a decision (rule reviewed-writes)`,
      });
      expect(await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).toEqual({
        status: 409,
        body: {
          error: 'not_pending',
          message: `approval ${id} has expired; decisions are no longer accepted`,
        },
      });
      expect((await direct((c) => c.query(`SELECT v FROM ${table}`))).rows).toEqual([{ v: 'before' }]);
      await gw.stop();
      expect(
        auditRecords(gw.auditFile)
          .filter((r) => r.approval_id === id)
          .map((r) => r.type),
      ).toEqual(['approval.requested', 'statement.intent', 'approval.expired']);
    } finally {
      await alice.client.end().catch(() => undefined);
    }
  }, 30_000);
});
