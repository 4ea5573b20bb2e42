import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface TestResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestClient {
  inject(request: { method: string; url: string; headers?: Record<string, string> }): Promise<TestResponse>;
  close(): Promise<void>;
}

/**
 * Drives a Fastify app over real HTTP on 127.0.0.1 with an ephemeral port,
 * with the same call shape as app.inject(). (app.inject() loads
 * light-my-request, whose `cookie` dependency is ESM-only and is not in the
 * jest preset's transform allow-list; see the report to the lead.)
 */
export async function listenForTests(app: FastifyInstance): Promise<TestClient> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    async inject({ method, url, headers = {} }) {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers, redirect: 'manual' });
      const body = await res.text();
      return {
        statusCode: res.status,
        headers: Object.fromEntries(res.headers.entries()),
        body,
        json: () => JSON.parse(body),
      };
    },
    close: () => app.close(),
  };
}
