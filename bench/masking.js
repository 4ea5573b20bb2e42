// Masking cost per cell, on the built sql-core (run `npx tsc -b packages/sql-core` first):
//   node bench/masking.js
// Prints ns per call for classification and for each masker on typical values: the fastest and the
// median of 7 runs (the fastest is the one least disturbed by other processes on a shared machine).
'use strict';
const path = require('node:path');
const m = require(path.join(__dirname, '../packages/sql-core/dist/masking'));

const c = (detector, confidence = 'high') => ({ detector, confidence, reason: 'bench' });

const PROSE =
  'The customer called about the delayed delivery of order 48213 and asked us to resend the invoice by post. ' +
  'We agreed to refund the shipping cost; the warehouse will confirm the new date tomorrow morning.';
const PROSE_WITH_EMAIL = PROSE.slice(0, 150) + ' Reply to jane.doe@example.com please.';

function bench(name, fn, input, iterations = 200000) {
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 20000); i++) sink += fn(input).length;
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += fn(input).length;
    runs.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${runs[0].toFixed(0).padStart(7)} ${runs[3].toFixed(0).padStart(7)}`);
  return sink;
}

console.log(`node ${process.version}; ns per call: fastest, median of 7 runs`);

let n = 0;
const classifyNew = () => m.classifyColumn({ table: 'users', column: `col_${n++}_email`, type: 'text' });
const detectorOf = (x) => (x === null ? '' : x.detector);
bench('classifyColumn (first time: tokenise + rules)', () => detectorOf(classifyNew()), null, 50000);
bench(
  'classifyColumn (cached)',
  () => detectorOf(m.classifyColumn({ table: 'users', column: 'email', type: 'text' })),
  null,
);

const text = { type: 'text' };
bench('email     j***@example.com', m.createColumnMasker(c('email'), text), 'jane.doe@example.com');
bench('phone     +1 (415) 555-2671', m.createColumnMasker(c('phone'), text), '+1 (415) 555-2671');
bench('us_ssn    123-45-6789', m.createColumnMasker(c('us_ssn'), text), '123-45-6789');
bench('card      4111 1111 1111 1111', m.createColumnMasker(c('payment_card'), text), '4111 1111 1111 1111');
bench('card      bigint', m.createColumnMasker(c('payment_card'), { type: 'integer' }), '4111111111111111');
bench('name      Jane Doe', m.createColumnMasker(c('person_name'), text), 'Jane Doe');
bench(
  'dob       timestamptz',
  m.createColumnMasker(c('date_of_birth'), { type: 'timestamp' }),
  '1985-03-15 10:22:33.5+02',
);
bench('ip        inet', m.createColumnMasker(c('ip_address'), { type: 'inet' }), '203.0.113.7');
bench(
  'secret    uuid -> nil',
  m.createColumnMasker(c('secret'), { type: 'uuid' }),
  '550e8400-e29b-41d4-a716-446655440000',
);
bench(
  'secret    ghp_ token',
  m.createColumnMasker(c('secret'), text),
  'ghp_1234567890abcdefghijABCDEFGHIJ123456',
);
bench(
  'password  ********',
  m.createColumnMasker(c('password'), text),
  '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
);
bench(
  'email     deterministic (HMAC-SHA256)',
  m.createColumnMasker(c('email'), text, { deterministic: true, key: 'k' }),
  'jane.doe@example.com',
  50000,
);

const scan = m.createColumnMasker('scan', text);
bench('scan      short text, nothing to mask ("Widget 3000")', scan, 'Widget 3000');
bench(`scan      ${PROSE.length}-char prose, nothing to mask`, scan, PROSE);
bench(`scan      ${PROSE_WITH_EMAIL.length}-char prose with one email`, scan, PROSE_WITH_EMAIL);
bench(
  'scan      log line: url, ip, token',
  scan,
  'GET /api?x=1 from 203.0.113.7 Authorization: Bearer ghp_1234567890abcdefghijABCDEFGHIJ123456',
  50000,
);
bench(
  'scan      json, nothing to mask (6 keys)',
  m.createColumnMasker('scan', { type: 'json' }),
  '{"id": 42, "status": "shipped", "items": [1, 2, 3], "total": 99.5, "gift": false, "carrier": "UPS"}',
);
bench(
  'scan      json with email + phone',
  m.createColumnMasker('scan', { type: 'json' }),
  '{"id": 42, "email": "jane@example.com", "phone": "+1 415 555 2671", "note": "leave at door"}',
);
