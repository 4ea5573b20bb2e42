import {
  api,
  auditRecords,
  connectAs,
  deleteKeys,
  direct,
  eventually,
  outcome,
  sendCancel,
  startTestGateway,
  tableName,
  tokenOf,
  useKeyPrefix,
  type HeldClient,
  type TestGateway,
} from './approvals-kit';

/**
 * A held statement that stops waiting withdraws its request with the real
 * cause, in the request's history (the API) and in the `approval.withdrawn`
 * audit record: the client cancelled, disconnected, an operator ended its
 * session, or the gateway stopped.
 */
describe('why an approval request was withdrawn', () => {
  const prefix = useKeyPrefix();
  let gw: TestGateway;
  let table: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    table = tableName('apr', 'why');
    await direct((c) =>
      c.query(
        `CREATE TABLE ${table} (id int PRIMARY KEY, v text); INSERT INTO ${table} VALUES (1, 'before')`,
      ),
    );
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.cleanup();
    await direct((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
    await deleteKeys(prefix);
  });

  /** Holds an UPDATE for alice; answers the client, the approval id and how the statement ended. */
  async function hold(): Promise<{ alice: HeldClient; id: string; ended: Promise<unknown> }> {
    const alice = await connectAs(gw, 'alice');
    const ended = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
    return { alice, id: await alice.nextApprovalId(), ended };
  }

  /** The withdrawal entry of the request's history, once it is withdrawn. */
  async function withdrawal(id: string): Promise<unknown> {
    let last: unknown;
    await eventually(async () => {
      const { body } = await api(gw, 'bob', 'GET', `/v1/approvals/${id}`);
      last = body.history?.at(-1);
      return body.status === 'withdrawn';
    });
    return last;
  }

  it('canceled: the client sent a CancelRequest', async () => {
    const { alice, id, ended } = await hold();
    ids.canceled = id;
    await sendCancel(gw, alice.client);
    expect(await ended).toMatchObject({ code: '57014' });
    expect(await withdrawal(id)).toMatchObject({ type: 'withdrawn', reason: 'canceled' });
    await alice.client.end();
  });

  it('session_closed: the client disconnected', async () => {
    const { alice, id } = await hold();
    ids.session_closed = id;
    (alice.client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect(await withdrawal(id)).toMatchObject({ type: 'withdrawn', reason: 'session_closed' });
  });

  it('terminated: an operator ended the session through the control API', async () => {
    const { alice, id, ended } = await hold();
    ids.terminated = id;
    const sessions = (await api(gw, 'root', 'GET', '/v1/sessions')).body as { sessions: { id: string }[] };
    expect(sessions.sessions).toHaveLength(1);
    const res = await fetch(`http://127.0.0.1:${gw.controlPort}/v1/sessions/${sessions.sessions[0]!.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokenOf('root')}` },
    });
    expect(res.status).toBeLessThan(300);
    expect(await ended).toMatchObject({ code: '57P01' });
    expect(await withdrawal(id)).toMatchObject({ type: 'withdrawn', reason: 'terminated' });
    await alice.client.end().catch(() => undefined);
  });

  it('shutdown: the gateway stopped while the statement was held', async () => {
    const { alice, id } = await hold();
    ids.shutdown = id;
    await gw.stop();
    const other = await startTestGateway();
    try {
      const { body } = await api(other, 'bob', 'GET', `/v1/approvals/${id}`);
      expect(body.status).toBe('withdrawn');
      expect(body.history.at(-1)).toMatchObject({ type: 'withdrawn', reason: 'shutdown' });
    } finally {
      await other.cleanup();
      await alice.client.end().catch(() => undefined);
    }
  });

  it('recorded each cause in the audit trail', () => {
    const records = auditRecords(gw.auditFile);
    for (const why of ['canceled', 'session_closed', 'terminated', 'shutdown']) {
      expect(records.filter((r) => r.type === 'approval.withdrawn' && r.approval_id === ids[why])).toEqual([
        expect.objectContaining({ why }),
      ]);
    }
  });
});
