#!/usr/bin/env node
// Statement analysis latency, against the built dist (run `pnpm build` or `npx tsc -b` in
// packages/sql-core first).
//
//   node bench/analysis.js [--n 20000] [--rounds 3]
//
// "new": every call gets a text the analyser has not seen (a literal differs), so it parses,
// walks, fingerprints and normalises. "cached": 5,000 texts seen before, answered by the LRU.
// Reports the median and p99 per call in µs, with libpg-query's own parse/fingerprint/normalize
// alone for scale. Figures are per process, one core; timing noise on a shared machine is real.
'use strict';
const { join } = require('node:path');
const sqlCore = join(__dirname, '../packages/sql-core');
const { createPostgresAnalyser } = require(join(sqlCore, 'dist/analysis/index.js'));
const pg = require('node:module').createRequire(join(sqlCore, 'package.json'))('libpg-query');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const N = Number(arg('n', 20000));
const ROUNDS = Number(arg('rounds', 3));

/** A simple OLTP statement (pgbench -S shape) and a mixed corpus, each made unique by `i`. */
const SIMPLE = (i) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${i}`;
/** A statement no earlier text shares a shape with (a new identifier each time). */
const NEW_SHAPE = (i) => `SELECT abalance AS a${i} FROM pgbench_accounts WHERE aid = ${i}`;
const MIX = [
  (i) => `SELECT id, email, created_at FROM public.users WHERE id = ${i}`,
  (i) =>
    `SELECT u.id, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = ${i} ORDER BY o.created_at DESC LIMIT 10`,
  (i) => `INSERT INTO events (user_id, kind, payload) VALUES (${i}, 'login', '{"ip":"10.0.0.1"}')`,
  (i) => `UPDATE accounts SET balance = balance - ${i} WHERE id = 42`,
  (i) => `DELETE FROM sessions WHERE expires_at < now() - interval '${i} days'`,
  (i) =>
    `WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT count(*) FROM recent WHERE total > ${i}`,
  (i) => `SELECT * FROM t WHERE a IN (${i}, 2, 3) AND b LIKE 'x%' GROUP BY c HAVING count(*) > 1`,
  (i) => `BEGIN; UPDATE t SET x = ${i} WHERE id = 1; COMMIT`,
  (i) => `CREATE INDEX CONCURRENTLY idx_${i} ON orders (user_id)`,
  (i) => `SET statement_timeout = ${i}`,
];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function measure(label, texts, fn) {
  const times = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const t0 = process.hrtime.bigint();
    fn(texts[i]);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  times.sort();
  console.log(
    `${label.padEnd(44)} median ${percentile(times, 0.5).toFixed(2).padStart(7)} µs   p99 ${percentile(times, 0.99).toFixed(2).padStart(7)} µs`,
  );
}

async function main() {
  // The default cache (10,000 texts): new texts evict old ones, as in a long-running gateway.
  const analyser = await createPostgresAnalyser();
  let seq = 0;
  const fresh = (gen, n = N) => Array.from({ length: n }, () => gen(++seq));
  // Warm the JIT and the WASM before measuring.
  for (const t of fresh(SIMPLE)) analyser.analyse(t);
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`round ${r} (n=${N})`);
    measure('analyse, new simple statement (new shape)', fresh(NEW_SHAPE), (t) => analyser.analyse(t));
    measure('analyse, new literals in a known shape', fresh(SIMPLE), (t) => analyser.analyse(t));
    measure(
      'analyse, new literals (mixed corpus)',
      fresh((i) => MIX[i % MIX.length](i)),
      (t) => analyser.analyse(t),
    );
    // 5,000 distinct texts (they all fit the cache), each asked N / 5,000 times.
    const hot = [...fresh(SIMPLE, 2500), ...fresh((i) => MIX[i % MIX.length](i), 2500)];
    for (const t of hot) analyser.analyse(t);
    const repeats = Array.from({ length: N }, (_, i) => hot[(i * 7919) % hot.length]);
    measure('analyse, cached statement', repeats, (t) => analyser.analyse(t));
    const raw = fresh(SIMPLE);
    measure('  libpg-query parseSync alone (simple)', raw, (t) => pg.parseSync(t));
    measure('  libpg-query fingerprintSync alone (simple)', raw, (t) => pg.fingerprintSync(t));
    measure('  libpg-query normalizeSync alone (simple)', raw, (t) => pg.normalizeSync(t));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
