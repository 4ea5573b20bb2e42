import fc from 'fast-check';
import { ProtocolError } from '../../src/codec';
import { rowsChangedByCommand } from '../../src/engine/statement-tracker';

/**
 * The oracle, written plainly: the tag is the payload up to its only NUL (the
 * last byte); the count is its last word read by Number(); SELECT, FETCH,
 * MOVE and SHOW count rows sent, not changed. A malformed payload throws.
 */
function oracle(payload: Buffer): number | null {
  const nul = payload.indexOf(0);
  if (nul < 0 || nul !== payload.length - 1) throw new ProtocolError('malformed CommandComplete');
  const tag = payload.toString('utf8', 0, nul);
  const space = tag.lastIndexOf(' ');
  if (space < 0) return null;
  const n = Number(tag.slice(space + 1));
  if (!Number.isSafeInteger(n)) return null;
  return /^(SELECT|FETCH|MOVE|SHOW) /.test(tag) ? null : n;
}

/** The payload placed inside a larger buffer, as messages lie in a received chunk. */
function atOffset(payload: Buffer): [Buffer, number, number] {
  const before = Buffer.from('Zxx\0C\0\0\0\0');
  return [
    Buffer.concat([before, payload, Buffer.from('\0Z\0\0\0\x05I')]),
    before.length,
    before.length + payload.length,
  ];
}

function answer(payload: Buffer): number | null | 'throws' {
  try {
    return rowsChangedByCommand(...atOffset(payload));
  } catch (err) {
    if (err instanceof ProtocolError) return 'throws';
    throw err;
  }
}

function expected(payload: Buffer): number | null | 'throws' {
  try {
    return oracle(payload);
  } catch {
    return 'throws';
  }
}

describe('rowsChangedByCommand', () => {
  it.each([
    ['INSERT 0 3', 3],
    ['UPDATE 2', 2],
    ['DELETE 0', 0],
    ['MERGE 12', 12],
    ['COPY 1000000', 1000000],
    ['SELECT 5', null],
    ['FETCH 3', null],
    ['MOVE 2', null],
    ['SHOW 1', null],
    ['SELECTED 4', 4],
    ['SELECT', null],
    ['BEGIN', null],
    ['CREATE TABLE', null],
    ['INSERT 0 007', 7],
    ['UPDATE 123456789012345', 123456789012345],
    ['UPDATE 1234567890123456', 1234567890123456],
    ['UPDATE 99999999999999999', null],
    ['UPDATE -1', -1],
    ['UPDATE 1e3', 1000],
    ['UPDATE 0x10', 16],
    ['UPDATE ', 0],
    ['123', null],
    ['ÉTAT 3', 3],
  ])('%s -> %s', (tag, rows) => {
    const payload = Buffer.from(`${tag}\0`);
    expect(expected(payload)).toBe(rows);
    expect(answer(payload)).toBe(rows);
  });

  it.each([
    ['no terminator', 'UPDATE 1'],
    ['a NUL inside', 'UPD\0ATE 1\0'],
    ['bytes after the NUL', 'UPDATE 1\0x'],
    ['empty', ''],
  ])('throws ProtocolError for a payload with %s', (_what, text) => {
    expect(answer(Buffer.from(text, 'latin1'))).toBe('throws');
  });

  it('agrees with the oracle on arbitrary tags', () => {
    const alphabet = fc.constantFrom(...'SELECTUPDAINRMOVFHW 0123456789-ex.\0\xff'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), fc.boolean(), (chars, terminate) => {
        const payload = Buffer.from(chars.join('') + (terminate ? '\0' : ''), 'latin1');
        expect(answer(payload)).toBe(expected(payload));
      }),
      { numRuns: 5000 },
    );
  });
});
