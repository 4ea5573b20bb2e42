import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  api,
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

interface Delivery {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
  readonly answered: number;
}

/** Webhooks from the real gateway to a local HTTP receiver: JSON and Slack bodies, secrets from the environment, retries. */
describe('approval webhooks', () => {
  const prefix = useKeyPrefix();
  const table = tableName('apr', 'hooks');
  const deliveries: Delivery[] = [];
  let receiver: Server;
  let gw: TestGateway;
  /** The first delivery of each event to /hook fails with 503, so it is retried. */
  const failedOnce = new Set<string>();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        const key = `${String(body.event)}:${String(body.approvalId)}`;
        const fail = req.url === '/hook' && !failedOnce.has(key);
        if (fail) failedOnce.add(key);
        const answered = fail ? 503 : 200;
        deliveries.push({ path: req.url ?? '', authorization: req.headers.authorization, body, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    process.env.GH_TEST_HOOK_AUTH = 'Bearer hook-secret';
    delete process.env.GH_TEST_UNSET_HOOK_URL;
    gw = await startTestGateway({
      approvalsExtra: [
        'webhooks:',
        `    - { name: tickets, url: "http://127.0.0.1:${port}/hook", format: json, headers_env: { Authorization: GH_TEST_HOOK_AUTH } }`,
        `    - { name: chat, url: "http://127.0.0.1:${port}/slack", format: slack, events: [requested] }`,
        '    - { name: unset, url_env: GH_TEST_UNSET_HOOK_URL }',
        '  notifications: { attempts: 3, backoff: 100ms }',
      ].join('\n'),
    });
    await direct((c) =>
      c.query(
        `CREATE TABLE ${table} (id int PRIMARY KEY, v text); INSERT INTO ${table} VALUES (1, 'before')`,
      ),
    );
  });

  afterAll(async () => {
    await gw?.cleanup();
    await new Promise((resolve) => receiver?.close(resolve));
    await direct((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
    await deleteKeys(prefix);
    delete process.env.GH_TEST_HOOK_AUTH;
  });

  it('notifies on request and decision, retries a failed delivery, never sends literals', async () => {
    expect(
      gw.logLines.some(
        (l) => l.includes('approval webhook left out') && l.includes('GH_TEST_UNSET_HOOK_URL'),
      ),
    ).toBe(true);
    const alice = await connectAs(gw, 'alice');
    let id: string;
    try {
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'secret-literal' WHERE id = 1`);
      id = await alice.nextApprovalId();
      await eventually(
        () =>
          deliveries.some((d) => d.path === '/hook' && d.body.event === 'requested' && d.answered === 200),
        10_000,
      );
      await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'fine' });
      expect(await running).toEqual({ rows: [], command: 'UPDATE' });
      await eventually(
        () => deliveries.some((d) => d.path === '/hook' && d.body.event === 'approved' && d.answered === 200),
        10_000,
      );
      await eventually(() => deliveries.some((d) => d.path === '/slack'), 10_000);
    } finally {
      await alice.client.end();
    }

    const hook = deliveries.filter((d) => d.path === '/hook' && d.body.approvalId === id);
    // Each event: one failed attempt (503), then the retry that succeeded.
    expect(hook.filter((d) => d.body.event === 'requested').map((d) => d.answered)).toEqual([503, 200]);
    expect(hook.filter((d) => d.body.event === 'approved').map((d) => d.answered)).toEqual([503, 200]);
    expect(hook.every((d) => d.authorization === 'Bearer hook-secret')).toBe(true);
    const requested = hook.find((d) => d.body.event === 'requested')!.body;
    expect(requested).toMatchObject({
      kind: 'gatehouse.approval',
      approvalId: id,
      status: 'pending',
      requester: 'alice',
      ruleId: 'reviewed-writes',
      target: { name: 'local', environment: 'production', engine: 'postgres' },
      howToApprove: { cli: `gatehouse approvals approve ${id}`, api: `POST /v1/approvals/${id}/approve` },
    });
    expect((requested.statement as { normalized: string }).normalized).toBe(
      `UPDATE ${table} SET v = $1 WHERE id = $2`,
    );
    expect(hook.find((d) => d.body.event === 'approved')!.body).toMatchObject({
      actor: 'bob',
      actorReason: 'fine',
      status: 'approved',
    });

    const slack = deliveries.filter((d) => d.path === '/slack');
    expect(slack).toHaveLength(1);
    expect(slack[0]!.authorization).toBeUndefined();
    expect(String(slack[0]!.body.text)).toContain(id);
    expect(JSON.stringify(deliveries)).not.toContain('secret-literal');
  });
});
