import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type Server as HttpServer,
} from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyChain } from '@gatehouse/sql-core';
import pino from 'pino';
import {
  openAuditSinks,
  PostgresAuditTable,
  queryAuditFiles,
  type AuditFanOut,
  type AuditQuery,
} from '../../src/audit';
import { auditPostgresConnection } from '../../src/audit/postgres-connection';
import { parseConfig, type GatehouseConfig } from '../../src/config';
import { AuditMetricsObserver, GatewayMetrics } from '../../src/metrics';
import { freePort } from '../../src/testing/free-port';
import { tempDirs } from './audit-test-kit';
import { direct, eventually, metricValue } from './gateway-kit';
import { eventStream } from './event-stream';

/**
 * The best-effort copies beside the file, against the real PostgreSQL and a
 * real HTTP collector: they hold exactly the file's records, buffer and
 * retry while their server is down, drop the oldest (counted) when the
 * buffer is full, and never hold up a write to the file.
 */
const TABLE = `gh_audit_copy_${process.pid}`;
const silent = pino({ level: process.env.GH_DEBUG ? 'debug' : 'silent' });
const dirs = tempDirs();

function config(dir: string, audit: string, proxyPort = 5432): GatehouseConfig {
  return parseConfig(
    `targets:
  - { name: local, engine: postgres, environment: test, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
  - { name: proxied, engine: postgres, environment: test, upstream: { host: 127.0.0.1, port: ${proxyPort}, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { file: ${join(dir, 'audit.jsonl')}, ${audit} }`,
    dir,
  );
}

/** A TCP relay to the local PostgreSQL that can be switched on late (the server "comes back"). */
function relay(port: number): { start(): Promise<void>; stop(): Promise<void> } {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  return {
    start: () =>
      new Promise((resolve) => {
        server = createServer((client) => {
          const upstream = connect(5432, '127.0.0.1');
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => undefined);
            s.on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (server) server.close(() => resolve());
        else resolve();
      }),
  };
}

async function writeAll(sink: AuditFanOut, events: ReturnType<typeof eventStream>): Promise<void> {
  await Promise.all(events.map((e) => sink.write(e)));
}

async function rows(
  table = TABLE,
): Promise<{ chain: string; seq: number; line: string; hash: string; kinds: string[]; tables: string[] }[]> {
  const d = await direct();
  try {
    const r = await d.query(
      `select chain, seq::int as seq, line, hash, kinds, tables from ${table} order by chain, seq`,
    );
    return r.rows;
  } finally {
    await d.end();
  }
}

afterEach(async () => {
  dirs.cleanup();
  const d = await direct();
  await d.query(`drop table if exists ${TABLE}`);
  await d.end();
});

describe('the PostgreSQL copy', () => {
  it('holds every record of every worker chain exactly as written, and answers queries as the file scan does', async () => {
    const dir = dirs.make();
    const c = config(
      dir,
      `postgres: { target: local, user: postgres, table: ${TABLE}, batch: 50, flush_interval: 10ms }`,
    );
    const w1 = await openAuditSinks(c.audit, silent, 1, { targets: c.targets });
    const w2 = await openAuditSinks(c.audit, silent, 2, { targets: c.targets });
    // Interleaved in time, as two workers would write them.
    const a = eventStream('a', 12, 6, Date.UTC(2026, 2, 1, 9));
    const b = eventStream('b', 9, 7, Date.UTC(2026, 2, 1, 9) + 3);
    await Promise.all([writeAll(w1, a), writeAll(w2, b)]);
    await Promise.all([w1.close(), w2.close()]);

    const stored = await rows();
    expect(stored).toHaveLength(a.length + b.length);
    for (const [worker, events] of [
      [1, a],
      [2, b],
    ] as const) {
      const file = join(dir, `audit.w${worker}.jsonl`);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      const mine = stored.filter((r) => r.chain.endsWith(`:audit.w${worker}`));
      expect(mine).toHaveLength(events.length);
      // The exact lines: the copy is itself a verifiable chain.
      expect(mine.map((r) => r.line)).toEqual(lines);
      expect(verifyChain(`${mine.map((r) => r.line).join('\n')}\n`)).toMatchObject({
        ok: true,
        records: events.length,
      });
    }
    const intent = stored.find(
      (r) => r.line.includes('"type":"statement.intent"') && r.line.includes('"DROP TABLE"'),
    )!;
    expect(intent).toMatchObject({ kinds: ['ddl'], tables: ['public.users'] });

    const table = new PostgresAuditTable(
      auditPostgresConnection(c.audit.postgres!, c.targets, {}),
      TABLE,
      silent,
    );
    const auditFile = join(dir, 'audit.jsonl');
    const queries: AuditQuery[] = [
      { limit: 1000 },
      { limit: 25 },
      { subject: 'bob', limit: 1000 },
      { target: 'other', type: 'statement.outcome', limit: 1000 },
      { kind: 'write', limit: 1000 },
      { kind: 'write', subject: 'alice', limit: 7 },
      { decision: 'deny', limit: 1000 },
      { table: 'users', limit: 1000 },
      { table: 'public.users', kind: 'read', limit: 1000 },
      { session: 'ses_b0003', limit: 1000 },
      {
        from: new Date(Date.UTC(2026, 2, 1, 9) + 40).toISOString(),
        to: new Date(Date.UTC(2026, 2, 1, 9) + 90).toISOString(),
        limit: 1000,
      },
    ];
    try {
      for (const q of queries) {
        const fromFiles = await queryAuditFiles(auditFile, q);
        const fromTable = await table.query(q);
        const ids = (r: typeof fromFiles) => r.records.map((x) => `${String(x.chain)}/${String(x.seq)}`);
        expect({ q, ids: ids(fromTable), truncated: fromTable.truncated }).toEqual({
          q,
          ids: ids(fromFiles),
          truncated: fromFiles.truncated,
        });
        expect(fromFiles.records.length).toBeGreaterThan(0);
      }
      // Statement filters bring each selected intent's outcome along.
      const writes = await table.query({ kind: 'write', limit: 1000 });
      const types = new Set(writes.records.map((r) => r.type));
      expect(types).toEqual(new Set(['statement.intent', 'statement.outcome']));
    } finally {
      await table.close();
    }
  }, 30_000);

  it('never holds up the file, buffers while PostgreSQL is unreachable, and catches up when it answers', async () => {
    const dir = dirs.make();
    const port = await freePort();
    const proxy = relay(port);
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const observer = new AuditMetricsObserver(metrics, () => new Set(['local']));
    const c = config(
      dir,
      `postgres: { target: proxied, user: postgres, table: ${TABLE}, batch: 40, flush_interval: 10ms }`,
      port,
    );
    const sink = await openAuditSinks(c.audit, silent, 0, {
      targets: c.targets,
      observers: [observer],
      replicaHooks: observer.replicaHooks(),
    });
    try {
      const events = eventStream('c', 20, 5);
      // Every write resolves on the file alone.
      await writeAll(sink, events);
      const queue = sink.replicas[0]!;
      await eventually(() => !queue.healthy);
      expect(queue.depth).toBe(events.length);
      const text = await metrics.registry.metrics();
      expect(
        metricValue(text, 'gatehouse_audit_write_failures_total', { sink: 'postgres' }),
      ).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'gatehouse_audit_sink_buffered', { sink: 'postgres' })).toBe(events.length);

      await proxy.start();
      await eventually(async () => (await rows().catch(() => [])).length === events.length, 15_000);
      await eventually(() => queue.depth === 0 && queue.healthy);
      expect(queue.dropped).toBe(0);
      const after = await metrics.registry.metrics();
      expect(metricValue(after, 'gatehouse_audit_sink_buffered', { sink: 'postgres' })).toBe(0);
      expect(
        metricValue(after, 'gatehouse_audit_write_seconds_count', { sink: 'postgres' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await sink.close();
      await proxy.stop();
    }
  }, 30_000);

  it('drops the oldest records, and counts them, when its buffer is full', async () => {
    const dir = dirs.make();
    const port = await freePort();
    const proxy = relay(port);
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const observer = new AuditMetricsObserver(metrics, () => new Set(['local']));
    const c = config(
      dir,
      `postgres: { target: proxied, user: postgres, table: ${TABLE}, batch: 1000, buffer: 100, flush_interval: 10ms }`,
      port,
    );
    const sink = await openAuditSinks(c.audit, silent, 0, {
      targets: c.targets,
      observers: [observer],
      replicaHooks: observer.replicaHooks(),
    });
    try {
      const events = eventStream('d', 25, 8).slice(0, 250);
      await writeAll(sink, events);
      const queue = sink.replicas[0]!;
      expect(queue.dropped).toBe(150);
      expect(
        metricValue(await metrics.registry.metrics(), 'gatehouse_audit_sink_dropped_total', {
          sink: 'postgres',
        }),
      ).toBe(150);
      await proxy.start();
      await eventually(async () => (await rows().catch(() => [])).length === 100, 15_000);
      // The newest 100 made it; the gap is visible in seq, and the file has all 250.
      expect((await rows()).map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_x, i) => 151 + i));
      expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(250);
    } finally {
      await sink.close();
      await proxy.stop();
    }
  }, 30_000);
});

describe('the webhook copy', () => {
  let server: HttpServer;
  let port: number;
  const received: {
    headers: IncomingHttpHeaders;
    body: { source: string; chain: string; records: { seq: number }[] };
  }[] = [];
  let failNext = 0;

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503).end('busy');
          return;
        }
        received.push({ headers: req.headers, body: JSON.parse(body) as (typeof received)[number]['body'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    failNext = 0;
  });

  it('POSTs batches in chain order with the configured headers, retrying a collector that fails', async () => {
    const dir = dirs.make();
    failNext = 2;
    const c = config(
      dir,
      `webhook: { url_env: GH_TEST_SIEM_URL, headers_env: { Authorization: GH_TEST_SIEM_AUTH }, batch: 25, flush_interval: 10ms }`,
    );
    const env = {
      GH_TEST_SIEM_URL: `http://127.0.0.1:${port}/ingest`,
      GH_TEST_SIEM_AUTH: 'Bearer siem-token',
    };
    const sink = await openAuditSinks(c.audit, silent, 0, { targets: c.targets, env });
    const events = eventStream('e', 10, 6);
    await writeAll(sink, events);
    await sink.close();
    expect(failNext).toBe(0);
    const seqs = received.flatMap((r) => r.body.records.map((x) => x.seq));
    expect(seqs).toEqual(events.map((_e, i) => i + 1));
    expect(
      received.every(
        (r) =>
          r.headers.authorization === 'Bearer siem-token' &&
          r.body.source === 'gatehouse' &&
          r.body.chain.endsWith(':audit'),
      ),
    ).toBe(true);
    expect(received.every((r) => r.body.records.length <= 25)).toBe(true);
    // The records are the file's, byte for byte once re-serialised.
    const fileLines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trimEnd().split('\n');
    expect(received.flatMap((r) => r.body.records).map((x) => JSON.stringify(x))).toEqual(
      fileLines.map((l) => JSON.stringify(JSON.parse(l))),
    );
  }, 30_000);

  it('refuses to start when a variable it names is not set', async () => {
    const c = config(dirs.make(), 'webhook: { url_env: GH_TEST_UNSET_URL }');
    await expect(openAuditSinks(c.audit, silent, 0, { env: {} })).rejects.toThrow(
      'audit.webhook.url_env: GH_TEST_UNSET_URL is not set',
    );
  });
});
