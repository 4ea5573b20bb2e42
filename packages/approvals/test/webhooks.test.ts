import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApprovalNotification } from '../src';
import { DBA_BOB, closeAll, deleteKeys, eventually, newService, request, uniquePrefix } from './helpers';

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly status: number;
}

/** A local receiver that answers 500 to the first `failFirst` posts on each path, then 200. */
async function receiver(failFirst: number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      const status = n <= failFirst ? 500 : 200;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

// Deliveries go through BullMQ workers: on a loaded machine they can take seconds.
jest.setTimeout(60_000);

describe('webhook notifications through BullMQ (real Redis, local HTTP receiver)', () => {
  let prefix: string;
  let http: Awaited<ReturnType<typeof receiver>>;

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
    http.server.closeAllConnections();
    await new Promise((resolve) => http.server.close(resolve));
  });

  it('retries with backoff until delivered: 500, 500, then 200; JSON and Slack formats; no literals', async () => {
    http = await receiver(2);
    const service = newService(prefix, {
      runWorkers: true,
      webhooks: [
        {
          name: 'ops-json',
          url: `${http.url}/json`,
          format: 'json',
          events: ['requested'],
          headers: { authorization: 'Bearer hook-secret' },
        },
        { name: 'ops-slack', url: `${http.url}/slack`, format: 'slack', events: ['requested'] },
      ],
      notifications: {
        attempts: 4,
        backoffMs: 40,
        timeoutMs: 2000,
        controlUrl: 'https://gatehouse.example.com/',
      },
    });
    await service.start();
    const started = Date.now();
    const { id } = await service.create(request());
    await eventually(() => http.received.filter((r) => r.status === 200).length === 2, 30_000);

    for (const path of ['/json', '/slack']) {
      const attempts = http.received.filter((r) => r.path === path);
      expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1); // the same body each time
    }
    // Exponential backoff: 40 ms then 80 ms before the third attempt.
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);

    const json = http.received.find((r) => r.path === '/json');
    expect(json?.headers['content-type']).toBe('application/json');
    expect(json?.headers['authorization']).toBe('Bearer hook-secret');
    const n = JSON.parse(json?.body ?? '{}') as ApprovalNotification;
    expect(n).toMatchObject({
      kind: 'gatehouse.approval',
      event: 'requested',
      approvalId: id,
      status: 'pending',
      requester: 'alice',
      target: { name: 'prod', environment: 'production', engine: 'postgres' },
      ruleId: 'prod-writes',
      statement: {
        normalized: 'UPDATE users SET email = $1 WHERE id = $2',
        kinds: ['write'],
        tablesWritten: ['public.users'],
      },
      howToApprove: {
        cli: `gatehouse approvals approve ${id}`,
        url: `https://gatehouse.example.com/v1/approvals/${id}`,
      },
    });

    const slack = JSON.parse(http.received.find((r) => r.path === '/slack')?.body ?? '{}') as {
      text?: string;
    };
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain(`*Approval requested* \`${id}\``);
    expect(slack.text).toContain('```UPDATE users SET email = $1 WHERE id = $2```');
    expect(slack.text).toContain(`gatehouse approvals approve ${id}`);

    for (const r of http.received) {
      expect(r.body).not.toContain('jane@example.com');
      // The literal as the statement held it (a bare '42' may be in an id or a timestamp by chance).
      expect(r.body).not.toMatch(/id = 42\b/);
    }
  });

  it('sends decision events to webhooks that want them', async () => {
    http = await receiver(0);
    const service = newService(prefix, {
      runWorkers: true,
      webhooks: [{ name: 'all', url: `${http.url}/all`, format: 'json' }],
      // Retries, so a delivery slowed by a loaded machine is tried again rather than lost.
      notifications: { attempts: 3, backoffMs: 10, timeoutMs: 5000 },
    });
    await service.start();
    const { id } = await service.create(request({ required: 2 }));
    await service.approve(id, { ...DBA_BOB, reason: 'fine by me' });
    await service.deny(id, { subject: 'carol', groups: ['dba'], reason: 'freeze' });
    const delivered = () =>
      new Set(http.received.map((r) => (JSON.parse(r.body) as ApprovalNotification).event));
    await eventually(() => delivered().size === 3, 30_000);
    const bodies = http.received.map((r) => JSON.parse(r.body) as ApprovalNotification);
    const byEvent = Object.fromEntries(bodies.map((b) => [b.event, b]));
    expect(byEvent['requested']).toMatchObject({ status: 'pending', actor: 'alice' });
    expect(byEvent['approved']).toMatchObject({
      status: 'pending',
      actor: 'bob',
      actorReason: 'fine by me',
      approvals: 1,
      required: 2,
    });
    expect(byEvent['denied']).toMatchObject({ status: 'denied', actor: 'carol', actorReason: 'freeze' });
  });
});
