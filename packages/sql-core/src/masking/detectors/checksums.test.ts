import {
  aadhaarChecksum,
  abaChecksum,
  allSame,
  cpfChecksum,
  digitsOf,
  dniChecksum,
  ibanMod97,
  luhn,
  nhsChecksum,
  peselChecksum,
  shannonEntropy,
  sinChecksum,
  verhoeff,
} from './checksums';

describe('check digits', () => {
  it.each([
    [
      'luhn',
      luhn,
      ['4111111111111111', '79927398713', '378282246310005', '490154203237518'],
      ['4111111111111112', '79927398710', ''],
    ],
    [
      'ibanMod97',
      ibanMod97,
      ['GB82WEST12345698765432', 'DE89370400440532013000', 'NO9386011117947', 'FR1420041010050500013M02606'],
      ['DE89370400440532013001', 'GB82WEST12345698765431', 'GB82 WEST'],
    ],
    [
      'abaChecksum',
      abaChecksum,
      ['011000015', '021000021', '122105155'],
      ['011000016', '123456789', '01100001'],
    ],
    ['verhoeff', verhoeff, ['2363', '234567890124'], ['2364', '234567890123']],
    ['nhsChecksum', nhsChecksum, ['9434765919', '4010232137'], ['9434765918', '943476591', '1234567890']],
    ['sinChecksum', sinChecksum, ['046454286', '130692544'], ['046454287', '846454286', '04645428']],
    [
      'cpfChecksum',
      cpfChecksum,
      ['52998224725', '11144477735', '12345678909'],
      ['52998224726', '11111111111', '1234567890'],
    ],
    [
      'peselChecksum',
      peselChecksum,
      ['44051401359', '02070803628'],
      ['44051401358', '44133401353', '4405140135'],
    ],
    [
      'aadhaarChecksum',
      aadhaarChecksum,
      ['234567890124', '499112345677'],
      ['234567890123', '134567890124', '23456789012'],
    ],
    ['dniChecksum', dniChecksum, ['12345678Z', 'X1234567L'], ['12345678A', 'X1234567Z', '1234567Z']],
  ] as const)('%s accepts its valid vectors and rejects the invalid ones', (_name, check, valid, invalid) => {
    for (const v of valid) expect([v, check(v)]).toEqual([v, true]);
    for (const v of invalid) expect([v, check(v)]).toEqual([v, false]);
  });

  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    // A UUID's hex digits sit well below a random base62 key.
    expect(shannonEntropy('550e8400-e29b-41d4-a716-446655440000')).toBeLessThan(3.5);
    expect(shannonEntropy('x9Fk2LmQ8pZ7vR3tY6wB1nC4')).toBeGreaterThan(4.5);
  });

  it('helpers', () => {
    expect(allSame('0000')).toBe(true);
    expect(allSame('0001')).toBe(false);
    expect(digitsOf('4111 1111-1111\u00a01111')).toBe('4111111111111111');
  });
});
