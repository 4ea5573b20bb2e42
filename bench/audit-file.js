#!/usr/bin/env node
// Audit file sink throughput and write latency, against the built dist (run `pnpm build` first).
//
//   node bench/audit-file.js [--events 100000] [--producers 8] [--dir DIR] [--rounds 1]
//
// For each durability mode: PRODUCERS concurrent loops each await sink.write() of a realistic
// statement.intent event until EVENTS are written; reports records/s and the write-promise
// latency percentiles, then the time `verifyAuditFiles` takes over the result.
'use strict';
const { mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
// pino is a dependency of the gateway, not of the workspace root.
const pino = require('node:module').createRequire(join(__dirname, '../apps/gateway/package.json'))('pino');
const { FileAuditSink, verifyAuditFiles } = require('../apps/gateway/dist/audit/index.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const EVENTS = Number(arg('events', 100_000));
const PRODUCERS = Number(arg('producers', 8));
const ROUNDS = Number(arg('rounds', 1));
const BASE = arg('dir', tmpdir());

function intent(producer, n) {
  return {
    type: 'statement.intent',
    time: new Date().toISOString(),
    session_id: `ses_${String(producer).padStart(20, '0')}`,
    statement_seq: n,
    subject: 'alice@example.com',
    target: 'prod',
    environment: 'production',
    database: 'app',
    source: 'extended',
    in_transaction: false,
    statements: [
      {
        kind: 'read',
        command: 'SELECT',
        fingerprint: '5f1c0a9e2b7d4c11',
        sql: 'SELECT id, email, created_at FROM public.users WHERE tenant_id = $1 AND id = $2',
        tables_read: ['public.users'],
        tables_written: [],
        columns_read: [
          'public.users.created_at',
          'public.users.email',
          'public.users.id',
          'public.users.tenant_id',
        ],
        columns_written: [],
        functions: [],
        guardrails: [],
        unknown_reason: null,
      },
    ],
    decision: 'allow',
    rule_id: 'reads',
    reason: null,
    approval_id: null,
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(durability) {
  const dir = mkdtempSync(join(BASE, 'gatehouse-bench-audit-'));
  const path = join(dir, 'audit.jsonl');
  try {
    const sink = await FileAuditSink.open({
      path,
      durability,
      logger: pino({ level: 'silent' }),
      rotateBytes: null,
    });
    const latencies = new Float64Array(EVENTS);
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: PRODUCERS }, async (_x, p) => {
        for (let n = 1; ; n++) {
          const i = next++;
          if (i >= EVENTS) return;
          const t0 = process.hrtime.bigint();
          await sink.write(intent(p, n));
          latencies[i] = Number(process.hrtime.bigint() - t0) / 1000;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stats = sink.stats;
    await sink.close();
    const bytes = statSync(path).size;
    const v0 = process.hrtime.bigint();
    const verified = await verifyAuditFiles([path]);
    const verifySeconds = Number(process.hrtime.bigint() - v0) / 1e9;
    if (!verified.ok || verified.records !== EVENTS)
      throw new Error(`verify failed: ${JSON.stringify(verified.break)}`);
    const sorted = Array.from(latencies).sort((a, b) => a - b);
    return {
      durability,
      records_per_s: Math.round(EVENTS / seconds),
      p50_us: percentile(sorted, 50).toFixed(1),
      p99_us: percentile(sorted, 99).toFixed(1),
      max_us: sorted[sorted.length - 1].toFixed(0),
      batches: stats.batches,
      records_per_batch: (EVENTS / stats.batches).toFixed(1),
      fsyncs: stats.fsyncs,
      mb: (bytes / 1e6).toFixed(1),
      verify_records_per_s: Math.round(EVENTS / verifySeconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  process.stdout.write(
    `audit file sink: ${EVENTS} events, ${PRODUCERS} producers, node ${process.version}, dir ${BASE}\n`,
  );
  const rows = [];
  for (let r = 0; r < ROUNDS; r++) for (const mode of ['write', 'fsync']) rows.push(await run(mode));
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((row) => String(row[c]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padStart(width[i])).join('  ');
  process.stdout.write(`${line(cols)}\n${rows.map((row) => line(cols.map((c) => row[c]))).join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
