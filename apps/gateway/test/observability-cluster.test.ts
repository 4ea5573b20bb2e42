import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { memoryIo } from '../src/testing/memory-io';
import { gatewayKit, metricValue, readRecords, type GatewayKit } from './audit/gateway-kit';

/**
 * The real `gatehouse start` (built dist) with two workers: each worker
 * writes its own hash chain (audit.w1.jsonl, audit.w2.jsonl) that `gatehouse
 * audit verify` proves, GET /metrics in the primary sums both workers, and
 * GET /v1/audit reads both files.
 */
const MAIN = join(__dirname, '../dist/main.js');

describe('audit and metrics with workers: 2', () => {
  let kit: GatewayKit;
  let gateway: ChildProcess;
  let output = '';

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('build first: pnpm -s build');
    kit = await gatewayKit({ workers: 2, control: 'metrics: admin' });
    gateway = spawn(process.execPath, [MAIN, 'start', '--config', kit.configFile], {
      env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 200 && !output.includes('workers ready'); i++)
      await new Promise((r) => setTimeout(r, 100));
    if (!output.includes('workers ready')) throw new Error(`gatehouse did not start:\n${output}`);
  }, 30_000);

  afterAll(async () => {
    if (gateway.exitCode === null) {
      gateway.kill('SIGKILL');
      await new Promise((r) => gateway.once('exit', r));
    }
    kit.cleanup();
  });

  it('writes one verifiable chain per worker, sums metrics across workers, and searches both chains', async () => {
    // Enough sessions that both workers get some (node:cluster deals connections round-robin).
    const clients = Array.from({ length: 6 }, () => kit.client());
    await Promise.all(clients.map((c) => c.connect()));
    const workers = new Set(
      clients.map((c) => ((c as unknown as { processID: number }).processID >>> 23) & 0xff),
    );
    expect(workers).toEqual(new Set([1, 2]));
    for (const c of clients) {
      await c.query('select 1');
      await c.query('select 2');
      await c.query('drop table gh_never_there').catch(() => undefined);
    }
    await Promise.all(clients.map((c) => c.end()));

    // /metrics needs an admin token here (control.metrics: admin).
    expect((await kit.api('/metrics', '')).status).toBe(401);
    expect((await kit.api('/metrics', kit.devToken)).status).toBe(403);
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = (await kit.api('/metrics')).text;
      if (metricValue(text, 'gatehouse_sessions_open') === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metricValue(text, 'gatehouse_workers_reporting')).toBe(2);
    expect(metricValue(text, 'gatehouse_sessions_total', { target: 'local' })).toBe(6);
    expect(metricValue(text, 'gatehouse_sessions_open')).toBe(0);
    expect(metricValue(text, 'gatehouse_statements_total', { kind: 'read', decision: 'allow' })).toBe(12);
    expect(metricValue(text, 'gatehouse_statements_total', { kind: 'ddl', decision: 'deny' })).toBe(6);
    expect(metricValue(text, 'gatehouse_guardrail_hits_total', { guardrail: 'drop-table' })).toBe(6);
    expect(metricValue(text, 'gatehouse_statement_overhead_seconds_count')).toBe(12);

    const files = [1, 2].map((w) => join(kit.dir, 'audit', `audit.w${w}.jsonl`));
    const perWorker = files.map((f) => readRecords(f).filter((r) => r.type === 'statement.intent').length);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker[0]! + perWorker[1]!).toBe(18);
    for (const file of files) {
      const io = memoryIo(kit.dir);
      expect(await runCli(['audit', 'verify', file], io)).toBe(0);
    }

    const page = (await kit.api('/v1/audit?type=statement.intent&limit=1000')).json() as {
      source: string;
      records: { chain: string }[];
    };
    expect(page.source).toBe('files');
    expect(page.records).toHaveLength(18);
    expect(new Set(page.records.map((r) => r.chain.split(':').pop()))).toEqual(
      new Set(['audit.w1', 'audit.w2']),
    );
  }, 30_000);
});
