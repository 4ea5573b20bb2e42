import fc from 'fast-check';
import { createColumnMasker, type ColumnMasker } from '../column-masker';
import type { ColumnClassification } from '../column-classifier';

/** The byte masks give exactly what their string masks give, or decline. */
const c = (detector: ColumnClassification['detector']): ColumnClassification => ({
  detector,
  confidence: 'high',
  reason: 't',
});
const MASKERS: Record<string, ColumnMasker> = {
  us_ssn: createColumnMasker(c('us_ssn'), { type: 'text' }),
  payment_card: createColumnMasker(c('payment_card'), { type: 'text' }),
  phone: createColumnMasker(c('phone'), { type: 'text' }),
  ca_sin: createColumnMasker(c('ca_sin'), { type: 'text' }),
  br_cpf: createColumnMasker(c('br_cpf'), { type: 'text' }),
  email: createColumnMasker(c('email'), { type: 'text' }),
  // varchar(n): a byte mask that would not fit declines; the string mask fits it.
  email_varchar8: createColumnMasker(c('email'), { type: 'text', length: 8 }),
  phone_varchar12: createColumnMasker(c('phone'), { type: 'text', length: 12 }),
};

function viaBytes(m: ColumnMasker, value: string): string | null {
  const src = Buffer.from(`xx${value}yy`, 'utf8');
  const out = Buffer.alloc(src.length * 3 + 8, 0x21);
  const n = m.bytes?.(src, 2, src.length - 2, out, 3) ?? -1;
  return n < 0 ? null : out.toString('utf8', 3, 3 + n);
}

describe('byte masks', () => {
  it('are attached to the common masks and varchar(n) ones, not to char(n) (padded) ones', () => {
    for (const m of Object.values(MASKERS)) expect(m.bytes).toBeDefined();
    expect(
      createColumnMasker(c('email'), { type: 'text', length: 10, fixedLength: true }).bytes,
    ).toBeUndefined();
    expect(createColumnMasker({ ...c('email'), confidence: 'low' }, { type: 'text' }).bytes).toBeUndefined();
  });

  it.each([
    ['us_ssn', '536-22-8845', '***-**-8845'],
    ['payment_card', '4111 1111 1111 1111', '**** **** **** 1111'],
    ['phone', '+1 (415) 555-2671', '+1 (***) ***-**71'],
    ['phone', '  +44 20 7946 0958', '  +44 ** **** **58'],
    ['email', 'jane.doe@example.com', 'j***@example.com'],
    ['email', 'no-at-sign', '****'],
    ['email', '@example.com', '****'],
    ['email_varchar8', 'ab@x.io', '*******'],
    ['email_varchar8', 'ab@xy.io', '********'],
  ])('%s %s', (kind, value, masked) => {
    const m = MASKERS[kind] as ColumnMasker;
    expect(m(value)).toBe(masked);
    // What does not fit varchar(n) as the byte mask writes it is left to the string mask, which fits it.
    expect(viaBytes(m, value)).toBe(kind.endsWith('varchar8') ? null : masked);
  });

  it('write within varchar(n) what fits', () => {
    expect(viaBytes(MASKERS.email_varchar8 as ColumnMasker, 'abcd@x.i')).toBe('a***@x.i');
    expect(viaBytes(MASKERS.phone_varchar12 as ColumnMasker, '415 555 2671')).toBe('*** *** **71');
  });

  it('decline non-ASCII and lists of addresses', () => {
    expect(viaBytes(MASKERS.email as ColumnMasker, 'jöse@example.com')).toBeNull();
    expect(viaBytes(MASKERS.email as ColumnMasker, 'a@x.com, b@y.org')).toBeNull();
    expect(viaBytes(MASKERS.us_ssn as ColumnMasker, '536–22–8845')).toBeNull();
  });

  it('agree with the string masks on any input', () => {
    const chars = fc.constantFrom(...'0123456789 +-()@.abcXYZ\té'.split(''));
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(MASKERS)),
        fc.array(chars, { maxLength: 30 }),
        (kind, parts) => {
          const m = MASKERS[kind] as ColumnMasker;
          const value = parts.join('');
          const bytes = viaBytes(m, value);
          return bytes === null || bytes === m(value);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
