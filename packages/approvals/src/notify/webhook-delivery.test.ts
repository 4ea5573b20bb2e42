import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError } from 'bullmq';
import type { ApprovalNotification } from './approval-notification';
import { deliverWebhook } from './webhook-delivery';

const notification = { kind: 'gatehouse.approval', approvalId: 'apr_x' } as unknown as ApprovalNotification;

describe('deliverWebhook', () => {
  let server: Server;
  let url: string;
  let answer: number;
  let hang = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (hang) return; // never answers
      res.writeHead(answer).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const target = () => ({ name: 'h', url, format: 'json' as const });
  const data = { webhook: 'h', notification };

  it('resolves on 2xx', async () => {
    answer = 204;
    await expect(deliverWebhook(target(), data, 1000)).resolves.toBe(204);
  });

  it('retries 5xx, 408 and 429; gives up at once on other 4xx and unknown webhooks', async () => {
    for (const status of [500, 503, 408, 429]) {
      answer = status;
      const err = await deliverWebhook(target(), data, 1000).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(UnrecoverableError);
    }
    for (const status of [400, 401, 404]) {
      answer = status;
      await expect(deliverWebhook(target(), data, 1000)).rejects.toBeInstanceOf(UnrecoverableError);
    }
    await expect(deliverWebhook(undefined, data, 1000)).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('times out a receiver that does not answer', async () => {
    hang = true;
    const t0 = Date.now();
    const err = await deliverWebhook(target(), data, 150).catch((e: Error) => e);
    hang = false;
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
