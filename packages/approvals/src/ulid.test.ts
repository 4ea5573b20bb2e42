import fc from 'fast-check';
import { isApprovalId, newApprovalId, ulid } from './ulid';

describe('ulid', () => {
  it('encodes the time in the first 10 characters (spec example time)', () => {
    // 1469918176385 ms is 01ARYZ6S41 in the ULID specification's example.
    expect(ulid(1469918176385).slice(0, 10)).toBe('01ARYZ6S41');
    expect(ulid(0).slice(0, 10)).toBe('0000000000');
  });

  it('is 26 Crockford base32 characters and sorts by time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10_000 }), (t, dt) => {
        const a = ulid(t);
        const b = ulid(Math.min(t + dt, 2 ** 48 - 1));
        return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(a) && a < b;
      }),
    );
  });

  it('is strictly increasing within one millisecond', () => {
    const now = Date.now();
    const ids = Array.from({ length: 1000 }, () => ulid(now));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('makes approval ids that isApprovalId accepts, and rejects junk', () => {
    const id = newApprovalId();
    expect(isApprovalId(id)).toBe(true);
    for (const bad of [
      '',
      'apr_',
      'apr_01ARYZ6S41',
      `${id}x`,
      id.replace('apr_', 'ses_'),
      'apr_01ARYZ6S41IIIIIIIIIIIIII',
      'apr_../../etc',
    ]) {
      expect(isApprovalId(bad)).toBe(false);
    }
    expect(() => ulid(-1)).toThrow(RangeError);
  });
});
