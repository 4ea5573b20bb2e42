// Value scans on hostile cells: a long text made of one short pattern repeated, for the patterns
// that once cost quadratic time (a search of the whole text for every `@` or URL, overlap checks of
// every match against every other). Run on the built sql-core (`npx tsc -b packages/sql-core`):
//
//   node bench/masking-adversarial.js
//
// Prints, per pattern, the fastest of 3 scans of a 16 kB, 64 kB and 256 kB cell and how the time
// grows from 64 kB to 256 kB: about 4x is linear; 16x is quadratic. Exits 1 when any pattern grows
// by more than 8x (a scan that a user's data could make take seconds).
'use strict';
const path = require('node:path');
const { maskText } = require(path.join(__dirname, '../packages/sql-core/dist/masking'));

const PATTERNS = {
  'digits and spaces': '1 ',
  'digits and dots': '1.',
  'phone-like groups': '+1 (',
  'card-like groups': '4111 ',
  'ssn-like groups': '123-45-',
  'at and dot': 'a@b.',
  'address chars then @': 'a1 b2-c3.d4:e5@f6=',
  'url schemes': 'postgres://a:',
  'password assignments': 'password: ',
  'key assignments': 'key=',
  'jwt-like': 'eyJabcdefghijklmnop.',
  'hash-like': '$2b$',
  'pem-like': '-----BEGIN ',
  'iban-like': 'DE89',
  'ip-like': '1.2.3.',
  'mac-like': '0a:',
  'long word': 'abcdefgh',
};

function fastest(text) {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    maskText(text);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

console.log(
  `node ${process.version}; ms per scan (fastest of 3) at 16 kB, 64 kB, 256 kB; growth 64 -> 256 kB`,
);
let worst = 0;
for (const [name, unit] of Object.entries(PATTERNS)) {
  const times = [16, 64, 256].map((kb) => fastest(unit.repeat(Math.ceil((kb * 1024) / unit.length))));
  const growth = times[2] / Math.max(times[1], 0.05);
  worst = Math.max(worst, growth);
  console.log(
    `${name.padEnd(22)} ${times.map((t) => t.toFixed(1).padStart(8)).join(' ')}   x${growth.toFixed(1)}`,
  );
}
if (worst > 8) {
  console.log(`superlinear: a cell grew ${worst.toFixed(1)}x for 4x the size`);
  process.exitCode = 1;
}
