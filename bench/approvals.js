// Approval decision latency across two gateway instances sharing one Redis.
//
// Instance A creates a request and waits on it; instance B approves it (as its
// control API would). Measured: from the start of B's approve() call to A's
// waitForDecision() resolving. Target (DESIGN.md §4): under 20 ms median.
//
//   cd /work/main && npx tsc -b packages/approvals && node bench/approvals.js [iterations]
//
// REDIS_URL overrides redis://127.0.0.1:6379. Keys live under a random prefix,
// deleted at the end.
'use strict';
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const path = require('node:path');

const pkg = path.join(__dirname, '..', 'packages', 'approvals');
const { ApprovalService } = require(pkg);
const pino = require(require.resolve('pino', { paths: [pkg] }));
const { Redis } = require(require.resolve('ioredis', { paths: [pkg] }));

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const ITERATIONS = Number(process.argv[2] || 200);
const WARMUP = 20;

const prefix = `gh-bench-approvals:${randomBytes(6).toString('hex')}`;
const logger = pino({ level: 'silent' });
const common = {
  redis: REDIS_URL,
  keyPrefix: prefix,
  defaults: { approvers: ['dba'], required: 1, timeoutMs: 60_000, grantWindowMs: 0 },
  logger,
  runWorkers: false,
};

const input = {
  requester: { subject: 'ci-bot', groups: ['ci'] },
  target: { name: 'prod', engine: 'postgres', environment: 'production' },
  database: 'app',
  sql: 'ALTER TABLE users ADD COLUMN flag boolean',
  statements: [
    {
      kind: 'ddl',
      command: 'ALTER TABLE',
      tablesRead: [],
      tablesWritten: [{ schema: 'public', name: 'users' }],
      columns: [],
      functions: [],
      guardrails: [],
      fingerprint: 'bench',
      normalized: 'ALTER TABLE users ADD COLUMN flag boolean',
    },
  ],
  ruleId: 'ci-ddl-prod',
  reason: 'DDL on production',
};

function quantile(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function deleteKeys() {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

async function main() {
  const holder = new ApprovalService({ ...common, instanceId: 'bench-a' });
  const api = new ApprovalService({ ...common, instanceId: 'bench-b' });
  await Promise.all([holder.start(), api.start()]);
  const samples = [];
  const approveCall = [];
  try {
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const { id } = await holder.create(input);
      const waiting = holder.waitForDecision(id, new AbortController().signal);
      // Let the waiter's initial re-read finish so only the pub/sub path is measured.
      await new Promise((r) => setTimeout(r, 2));
      let resolvedAt = 0;
      const done = waiting.then((d) => {
        resolvedAt = performance.now();
        return d;
      });
      const t0 = performance.now();
      await api.approve(id, { subject: `dba-${i % 7}`, groups: ['dba'], reason: 'bench' });
      const t1 = performance.now();
      const decision = await done;
      if (decision.status !== 'approved') throw new Error(`unexpected ${decision.status}`);
      if (i >= WARMUP) {
        samples.push(resolvedAt - t0);
        approveCall.push(t1 - t0);
      }
    }
  } finally {
    await Promise.all([holder.close(), api.close()]);
    await deleteKeys();
  }
  samples.sort((a, b) => a - b);
  approveCall.sort((a, b) => a - b);
  const f = (ms) => `${ms.toFixed(2)} ms`;
  console.log(
    `approvals: decision latency, approve() on instance B -> waiter resolved on instance A (${ITERATIONS} iterations, ${REDIS_URL})`,
  );
  console.log(
    `  median ${f(quantile(samples, 0.5))}  p95 ${f(quantile(samples, 0.95))}  p99 ${f(quantile(samples, 0.99))}  max ${f(samples[samples.length - 1])}`,
  );
  console.log(
    `  approve() call itself: median ${f(quantile(approveCall, 0.5))}  p95 ${f(quantile(approveCall, 0.95))}`,
  );
  console.log(`  target: median under 20 ms -> ${quantile(samples, 0.5) < 20 ? 'met' : 'NOT met'}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
