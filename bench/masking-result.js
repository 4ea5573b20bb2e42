// Masking a large result on the wire: a 1,000,000-row result of six columns, three of them masked
// (email, ssn, phone), read through Gatehouse vs straight from PostgreSQL, in alternating rounds.
// Needs the built packages (`npx tsc -b packages/sql-core packages/pg-protocol`) and PostgreSQL on
// 127.0.0.1:5432 (trust, database test).
//
//   node bench/masking-result.js [--rows 1000000] [--rounds 3] [--client raw|pg] [--only masked|clean|sparse]
//
// The gateway runs in a child process (engine + pipeline with the PostgreSQL analyser and a mask
// planner, as `gatehouse start` builds them, without the audit file) so its RSS is its own; RSS is
// sampled from /proc every 50 ms while each result streams. The client is a raw protocol reader that
// frames and counts messages, so the figures are the gateway's cost, not a driver's (`--client pg`
// reads through node-postgres instead, as an application would). Three queries:
//   masked    - six columns, three masked: every row is rewritten
//   clean     - six columns, none masked (ids, timestamps, amounts): rows pass as their original bytes
//   sparse    - six columns, three masked, values that are NULL in 99% of rows: most rows pass as they are
// Prints per query the median seconds direct and through the gateway, the ratio, the gateway process's
// CPU seconds for the result (user + system: less disturbed by other load than the wall time), its
// peak RSS and its RSS before the result. The gateway process runs with `--liftoff-only`, as
// `gatehouse start` does (apps/gateway/src/main.ts); BENCH_CHILD_ARGS replaces the node flags
// (`BENCH_CHILD_ARGS=` for none); its environment is this one's (`MALLOC_ARENA_MAX=2 node ...`).
'use strict';
const { fork } = require('node:child_process');
const { readFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.join(__dirname, '..');
const codec = require(path.join(root, 'packages/pg-protocol/dist/codec'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const ROWS = Number(arg('rows', 1_000_000));
const ROUNDS = Number(arg('rounds', 3));
const SCHEMA = `gh_bench_mask_${process.pid}`;

// ---- the gateway (child process) ----

async function gateway() {
  const pino = require(require.resolve('pino', { paths: [path.join(root, 'packages/pg-protocol')] }));
  const core = require(path.join(root, 'packages/sql-core/dist'));
  const { PostgresEngine } = require(path.join(root, 'packages/pg-protocol/dist/engine'));
  const logger = pino({ level: 'warn' });
  const dataFlow = await core.createPostgresDataFlowAnalyser();
  const base = core.createMaskPlan();
  const masking = {
    plan(event, statements) {
      const normalized = statements.map((s) => `${s.fingerprint}\u0001${s.normalized}`).join('\u0002');
      const flows = dataFlow.analyse(event.sql, statements.length > 0 ? normalized : undefined);
      for (const f of flows) {
        const d = core.checkDataFlow(base, f, false);
        if (d) return { deny: d.reason, ruleId: d.ruleId };
      }
      return { ...base, statements: flows };
    },
  };
  const pipeline = new core.Pipeline({
    analysers: { postgres: await core.createPostgresAnalyser() },
    policy: { evaluate: () => ({ action: 'allow', ruleId: 'bench', reason: 'bench' }) },
    logger,
    masking,
  });
  const engine = new PostgresEngine({
    host: '127.0.0.1',
    port: 0,
    verifier: {
      verify: async () => ({
        subject: 'bench',
        groups: ['dev'],
        authMethod: 'service_token',
        issuer: 'bench',
      }),
    },
    targets: {
      resolve: () => ({
        target: { name: 'local', engine: 'postgres', environment: 'bench' },
        database: 'test',
      }),
      upstreamFor: (_t, _i, database) => ({
        host: '127.0.0.1',
        port: 5432,
        tls: 'disable',
        user: 'postgres',
        database,
      }),
    },
    pipeline,
    sessions: new core.SessionRegistry(),
    logger,
    allowPlaintextLoopback: true,
    maxMessageSize: 64 * 1024 * 1024,
    handshakeTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  const address = await engine.listen();
  process.on('message', (m) => {
    if (m === 'exit') void engine.stop(0).then(() => process.exit(0));
    if (m === 'mem') process.send({ mem: process.memoryUsage() });
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.send({ port: address.port });
}

// ---- the client ----

/** Connects, logs in, runs one simple query, counts DataRows; resolves with the count and seconds. */
function run(port, sql, password) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const reader = new codec.MessageReader({ maxMessageSize: 64 * 1024 * 1024 });
    let rows = 0;
    let started = 0n;
    let phase = 'login';
    let error = null;
    socket.setNoDelay(true);
    socket.on('connect', () =>
      socket.write(
        codec.encodeStartupMessage({ user: 'postgres', database: port === 5432 ? 'test' : 'local' }),
      ),
    );
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reader.push(chunk);
      while (reader.next()) {
        const code = reader.code;
        if (code === codec.BackendCode.Authentication && reader.payload().readInt32BE(0) === 3) {
          socket.write(codec.encodePasswordMessage(password));
        } else if (code === codec.BackendCode.ErrorResponse) {
          error = codec.decodeErrorFields(reader.payload()).message;
        } else if (code === codec.BackendCode.DataRow) {
          rows++;
        } else if (code === codec.BackendCode.ReadyForQuery) {
          if (phase === 'login') {
            phase = 'query';
            started = process.hrtime.bigint();
            socket.write(codec.encodeQuery(sql));
          } else {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            socket.end(codec.encodeTerminate());
            if (error) reject(new Error(error));
            else resolve({ rows, seconds });
          }
        }
      }
    });
  });
}

/** The same through node-postgres (rows parsed into arrays), for what an application sees. */
async function runPg(port, sql, password) {
  const { Client } = require(require.resolve('pg', { paths: [root] }));
  const c = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: port === 5432 ? 'test' : 'local',
  });
  await c.connect();
  try {
    const started = process.hrtime.bigint();
    const r = await c.query({ text: sql, rowMode: 'array' });
    return { rows: r.rows.length, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    await c.end();
  }
}

function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function withRss(pid, fn) {
  let peak = rssOf(pid);
  const before = peak;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 50);
  try {
    const result = await fn();
    return { ...result, before, peak: Math.max(peak, rssOf(pid)) };
  } finally {
    clearInterval(timer);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The gateway process's CPU seconds (user + system) so far. */
function cpuOf(child) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.cpu === undefined) return;
      child.off('message', onMessage);
      resolve((m.cpu.user + m.cpu.system) / 1e6);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function main() {
  const { Client } = require(require.resolve('pg', { paths: [root] }));
  const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await admin.connect();
  process.stdout.write(`creating ${ROWS} rows in ${SCHEMA}.people ... `);
  await admin.query(`create schema ${SCHEMA}`);
  await admin.query(
    `create unlogged table ${SCHEMA}.people as select g::bigint as id, 'person' || g || '@example.com' as email, ` +
      `lpad((100 + g % 800)::text, 3, '0') || '-' || lpad((10 + g % 89)::text, 2, '0') || '-' || lpad((1000 + g % 8999)::text, 4, '0') as ssn, ` +
      `'+1 (415) 555-' || lpad((g % 10000)::text, 4, '0') as phone, timestamptz '2024-01-01' + g * interval '1 second' as created_at, ` +
      `(g % 100000) / 100.0 as amount, case when g % 100 = 0 then 'p' || g || '@example.com' end as email2, ` +
      `case when g % 100 = 0 then '536-22-8845' end as ssn2, case when g % 100 = 0 then '+1 (212) 555-0188' end as phone2 ` +
      `from generate_series(1, ${ROWS}) g`,
  );
  await admin.query(`analyze ${SCHEMA}.people`);
  console.log('done');
  const child = fork(__filename, ['--gateway'], {
    execArgv: (process.env.BENCH_CHILD_ARGS ?? '--liftoff-only').split(' ').filter(Boolean),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const idle = rssOf(child.pid);
  const queries = {
    masked: `select id, email, ssn, phone, created_at, amount from ${SCHEMA}.people`,
    clean: `select id, created_at, amount, id + 1 as next_id, created_at::date as day, amount * 2 as doubled from ${SCHEMA}.people`,
    sparse: `select id, email2, ssn2, phone2, created_at, amount from ${SCHEMA}.people`,
  };
  try {
    // Warm up both paths (and the gateway's catalog cache).
    await run(5432, `select * from ${SCHEMA}.people limit 1000`, '');
    await run(
      port,
      `select id, email, ssn, phone, created_at, amount from ${SCHEMA}.people limit 1000`,
      'token',
    );
    const check = await run(port, `select email, ssn from ${SCHEMA}.people limit 1`, 'token');
    if (check.rows !== 1) throw new Error('the gateway did not answer');
    const clientName =
      arg('client', 'raw') === 'pg' ? 'node-postgres client (rowMode array)' : 'raw protocol client';
    console.log(
      `node ${process.version}; ${ROWS} rows x 6 columns; median of ${ROUNDS} alternating rounds; ${clientName}`,
    );
    console.log(`gateway RSS when started: ${idle.toFixed(0)} MB`);
    console.log('query    direct s  gateway s  ratio  gateway CPU s  gateway RSS before -> peak MB');
    const only = arg('only', null);
    for (const [name, sql] of Object.entries(queries)) {
      if (only !== null && only !== name) continue;
      const direct = [];
      const through = [];
      const cpu = [];
      let before = 0;
      let peak = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const client = arg('client', 'raw') === 'pg' ? runPg : run;
        const d = await client(5432, sql, '');
        const cpuBefore = await cpuOf(child);
        const g = await withRss(child.pid, () => client(port, sql, 'token'));
        cpu.push((await cpuOf(child)) - cpuBefore);
        if (d.rows !== ROWS || g.rows !== ROWS) throw new Error(`row counts ${d.rows} / ${g.rows}`);
        direct.push(d.seconds);
        through.push(g.seconds);
        before = r === 0 ? g.before : before;
        peak = Math.max(peak, g.peak);
      }
      const dm = median(direct);
      const gm = median(through);
      console.log(
        `${name.padEnd(8)} ${dm.toFixed(2).padStart(8)} ${gm.toFixed(2).padStart(10)} ${(gm / dm).toFixed(2).padStart(6)}x ${median(cpu).toFixed(2).padStart(13)}  ${before.toFixed(0).padStart(6)} -> ${peak.toFixed(0)}`,
      );
    }
  } finally {
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
    await admin.query(`drop schema ${SCHEMA} cascade`);
    await admin.end();
  }
}

if (process.argv.includes('--gateway')) {
  gateway().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
