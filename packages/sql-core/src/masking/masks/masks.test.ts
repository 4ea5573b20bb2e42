import { dateToYear, maskDateOfBirth } from './date-mask';
import { pseudoAlnum, pseudoEmail, pseudoInteger, pseudoName, pseudoUuid } from './deterministic';
import {
  fitLength,
  keepAlnum,
  keepEdges,
  keepLastDigits,
  maskEmail,
  maskPersonName,
  maskPostalCode,
  roundCoordinates,
} from './format-masks';
import { keepLastDigitsNumber, maskIntegerIPv4, roundNumber, truncateNumber } from './number-mask';
import { looksLikeSecret, maskSecretValue } from './secret-mask';

describe('format masks', () => {
  it('keeps separators and the last digits, never more than half', () => {
    expect(keepLastDigits('123-45-6789', 4)).toBe('***-**-6789');
    expect(keepLastDigits('4111 1111 1111 1111', 4)).toBe('**** **** **** 1111');
    expect(keepLastDigits('6789', 4)).toBe('****');
    expect(keepLastDigits('12-34', 4)).toBe('**-**');
    expect(keepLastDigits('+1 415 555 2671', 2, 1)).toBe('+1 *** *** **71');
    expect(keepAlnum('X1234567L', 0, 4)).toBe('*****567L');
  });

  it('masks emails, names, postal codes, wallets, coordinates', () => {
    expect(maskEmail('jane@example.com')).toBe('j***@example.com');
    expect(maskEmail('no address')).toBe('****');
    expect(maskPersonName('Jane Doe')).toBe('J***');
    expect(maskPersonName('  Émile Zola')).toBe('É***');
    expect(maskPersonName('--')).toBe('****');
    expect(maskPostalCode('94103-1234')).toBe('941**-****');
    expect(maskPostalCode('SW1A 1AA')).toBe('SW1* ***');
    expect(maskPostalCode('941')).toBe('****');
    expect(keepEdges('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 4, 4)).toBe('bc1q****5mdq');
    expect(roundCoordinates('37.774929,-122.419416')).toBe('37.77,-122.42');
    expect(roundCoordinates('somewhere')).toBe('****');
  });

  it('fits varchar(n) and pads char(n)', () => {
    expect(fitLength('j***@example.com', 'a@example.com', 14, false)).toBe('*************');
    expect(fitLength('J***', 'Jane      ', 10, true)).toBe('J***      ');
    expect(fitLength('J***', 'Jane', undefined, undefined)).toBe('J***');
  });
});

describe('date of birth', () => {
  it.each([
    ['1985-03-15', '1985-01-01'],
    ['1985-03-15 10:22:33', '1985-01-01 00:00:00'],
    ['1985-03-15 10:22:33.123456+02', '1985-01-01 00:00:00+02'],
    ['1985-03-15 10:22:33+05:30', '1985-01-01 00:00:00+05:30'],
    ['1985-03-15T10:22:33Z', '1985-01-01T00:00:00Z'],
    ['0044-03-15 BC', '0044-01-01 BC'],
    ['0000-00-00', '0000-00-00'],
    ['infinity', 'infinity'],
    ['03/15/1985', '01/01/1985'],
    ['15.03.1985 10:22', '01.01.1985 00:00'],
    ['1985/03/15', '1985/01/01'],
  ])('%s -> %s', (input, expected) => {
    expect(dateToYear(input)).toBe(expected);
  });

  it('falls back to the year, then to the given value', () => {
    expect(dateToYear('March 15, 1985')).toBeNull();
    expect(maskDateOfBirth('March 15, 1985', '****')).toBe('1985-01-01');
    expect(maskDateOfBirth('unknown', '****')).toBe('****');
  });
});

describe('number masks', () => {
  it('keep magnitudes and types', () => {
    expect(keepLastDigitsNumber('123456789', 4)).toBe('6789');
    expect(keepLastDigitsNumber('4111111111110001', 4)).toBe('1');
    expect(keepLastDigitsNumber('-123456789', 4)).toBe('-6789');
    expect(keepLastDigitsNumber('1234', 4)).toBe('0');
    expect(keepLastDigitsNumber('12345678.90', 4)).toBe('5678.00');
    expect(keepLastDigitsNumber('1e10', 4)).toBe('0');
    expect(truncateNumber('94103', 3)).toBe('94100');
    expect(truncateNumber('941', 3)).toBe('0');
    expect(maskIntegerIPv4('3405803783')).toBe('3405803776');
    expect(maskIntegerIPv4('99999999999')).toBe('0');
    expect(roundNumber('37.774929', 2)).toBe('37.77');
    expect(roundNumber('NaN', 2)).toBe('NaN');
  });
});

describe('deterministic pseudonyms', () => {
  const key = 'test-key';

  it('are stable under one key, differ across keys and values, keep the shape', () => {
    const a = pseudoAlnum(key, 'phone', '+1 415-555-2671', 1);
    expect(a).toBe(pseudoAlnum(key, 'phone', '+1 415-555-2671', 1));
    expect(a).toMatch(/^\+1 \d{3}-\d{3}-\d{4}$/);
    expect(a).not.toBe('+1 415-555-2671');
    expect(pseudoAlnum('other-key', 'phone', '+1 415-555-2671', 1)).not.toBe(a);
    expect(pseudoAlnum(key, 'us_ssn', '123-45-6789')).not.toBe(pseudoAlnum(key, 'us_ssn', '123-45-6780'));
    expect(pseudoAlnum(key, 'iban', 'GB82WEST12345698765432', 2)).toMatch(/^GB\d{2}[A-Z]{4}\d{14}$/);
  });

  it('emails keep the domain and ignore case', () => {
    const e = pseudoEmail(key, 'Jane.Doe@example.com');
    expect(e).toMatch(/^[a-z0-9]{10}@example\.com$/);
    expect(pseudoEmail(key, 'jane.doe@example.com')).toBe(e.replace('@example.com', '@example.com'));
  });

  it('names are pronounceable words, one per input word', () => {
    expect(pseudoName(key, 'Jane Doe')).toMatch(/^[A-Z][a-z]{5} [A-Z][a-z]{5}$/);
  });

  it('uuids are version 8 with the RFC variant', () => {
    expect(pseudoUuid(key, '550e8400-e29b-41d4-a716-446655440000')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('integers never grow in magnitude', () => {
    for (const v of ['2147483647', '9223372036854775807', '10', '7', '-100000']) {
      const p = pseudoInteger(key, 'x', v);
      expect(p).toBe(pseudoInteger(key, 'x', v));
      expect(BigInt(p) < 0n ? -BigInt(p) : BigInt(p)).toBeLessThanOrEqual(
        BigInt(v) < 0n ? -BigInt(v) : BigInt(v),
      );
      expect(p.replace('-', '').length).toBe(v.replace('-', '').length);
    }
    expect(pseudoInteger(key, 'x', 'abc')).toBe('0');
  });
});

describe('secret values', () => {
  it('keep what identifies the kind of secret, never the secret', () => {
    expect(maskSecretValue('ghp_1234567890abcdefghijABCDEFGHIJ123456')).toBe('ghp_****3456');
    expect(maskSecretValue('hunter2')).toBe('********');
    expect(maskSecretValue('postgres://app:pw@db/prod')).toBe('postgres://app:****@db/prod');
    expect(maskSecretValue('https://example.com/hook')).toBe('********');
    expect(maskSecretValue('-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----')).toBe(
      '-----BEGIN EC PRIVATE KEY-----\n***\n-----END EC PRIVATE KEY-----',
    );
    expect(maskSecretValue('')).toBe('');
  });

  it('tells secrets from i18n keys, UUIDs and words in ambiguous columns', () => {
    expect(looksLikeSecret('x9Fk2LmQ8pZ7vR3tY6wB1nC4')).toBe(true);
    expect(looksLikeSecret('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(looksLikeSecret('home.title.welcome')).toBe(false);
    expect(looksLikeSecret('550e8400-e29b-41d4-a716-446655440000')).toBe(false);
    expect(looksLikeSecret('feature_flag_enabled')).toBe(false);
  });
});
