import { maskText, scanText } from '../../src/masking';

describe('maskText / scanText', () => {
  it('replaces only the matching spans and keeps everything else', () => {
    const text =
      'Customer jane.doe@example.com (415) 555-2671 paid with 4111 1111 1111 1111; SSN 123-45-6789; from 203.0.113.7.';
    expect(maskText(text)).toBe(
      'Customer j***@example.com (***) ***-**71 paid with **** **** **** 1111; SSN ***-**-6789; from 203.0.113.0.',
    );
    expect(scanText(text).map((s) => s.detector)).toEqual([
      'email',
      'phone',
      'payment_card',
      'us_ssn',
      'ip_address',
    ]);
  });

  it('returns the very same string when nothing matches', () => {
    const text =
      'The quick brown fox jumps over the lazy dog. Version 1.2.3.4 shipped on 2024-01-15 at 10:30:00.';
    expect(maskText(text)).toBe(text);
    expect(scanText(text)).toEqual([]);
    expect(maskText('')).toBe('');
    expect(maskText('a@b.c')).toBe('a@b.c');
  });

  it('resolves overlaps by priority: the URL password before the email-like text around it', () => {
    expect(maskText('dsn postgres://app:secret@db.example.com/prod')).toBe(
      'dsn postgres://app:****@db.example.com/prod',
    );
    // A card number is not also a phone number.
    expect(scanText('card 4111-1111-1111-1111').map((s) => s.detector)).toEqual(['payment_card']);
    // An API key in an assignment keeps its prefix (the key detector wins over the generic one).
    expect(maskText('token=ghp_1234567890abcdefghijABCDEFGHIJ123456')).toBe('token=ghp_****3456');
  });

  it('masks secrets of every kind in a log line', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(maskText(`GET /x Authorization: Bearer ${jwt} key=AKIAIOSFODNN7EXAMPLE password=hunter2`)).toBe(
      'GET /x Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.***.*** key=AKIA****MPLE password=****',
    );
  });

  it('keeps private key armour', () => {
    const text =
      'key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\nbye';
    expect(maskText(text)).toBe('key:\n-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\nbye');
  });

  it('does not stitch numbers across lines', () => {
    expect(maskText('4111 1111\n1111 1111')).toBe('4111 1111\n1111 1111');
  });

  it('reads phone numbers for the configured region', () => {
    expect(maskText('office 020 7946 0958', { defaultCountry: 'GB' })).toBe('office *** **** **58');
    expect(maskText('office 020 7946 0958')).toBe('office 020 7946 0958');
  });

  it.each([
    'order #2125551234 shipped',
    'epoch 1700000000 and ms 1700000000000',
    'ZIP 94103-1234',
    'version 10.2.3.4',
    'IMEI 490154203237518',
    'uuid 550e8400-e29b-41d4-a716-446655440000',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'md5 d41d8cd98f00b204e9800998ecf8427e',
    'git@github.com:org/repo.git',
    'user@localhost',
    'icon@2x.png',
    'scikit-learn and sk-learn',
    'price: $5 or $6',
    'token_type=Bearer',
    'at 12:30:45 on 2024-01-15T12:30:45Z',
    'see https://example.com/a/b?c=d',
    'counts: 123456789 and 987654321',
  ])('leaves the trap %j alone', (text) => {
    expect(maskText(text)).toBe(text);
  });
});

describe('pathological input', () => {
  it.each([
    ['many @ in a long word', `${'a@'.repeat(50000)}example.com`],
    ['a long digit run', '4'.repeat(100000)],
    ['long runs of separators and digits', '1-'.repeat(50000)],
    ['deep braces', '{'.repeat(50000)],
    ['dots and hex', 'ab.'.repeat(50000)],
    ['colons', 'a:'.repeat(50000)],
    ['assignments', 'k=v;'.repeat(25000)],
  ])('scans %s without throwing (quadratic scanning of 100 kB would hit the test timeout)', (_name, text) => {
    expect(typeof maskText(text)).toBe('string');
  });
});
