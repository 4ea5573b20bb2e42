import { apiKeyDetector } from './api-key';
import { connectionStringDetector } from './connection-string';
import { emailDetector } from './email';
import { genericSecretDetector } from './generic-secret';
import { ibanDetector } from './iban';
import { ipAddressDetector } from './ip-address';
import { jwtDetector } from './jwt';
import { macAddressDetector } from './mac-address';
import {
  abaRoutingDetector,
  brCpfDetector,
  caSinDetector,
  esDniDetector,
  inAadhaarDetector,
  plPeselDetector,
  ukNhsNumberDetector,
} from './national-id';
import { passwordHashDetector } from './password-hash';
import { paymentCardDetector } from './payment-card';
import { createPhoneDetector, phoneDetector } from './phone';
import { privateKeyDetector } from './private-key';
import { usSsnDetector } from './us-ssn';
import { textFeatures, type Span, type ValueDetector } from './value-detector';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiZW1haWwiOiJqYW5lQGV4YW1wbGUuY29tIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const BCRYPT = '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW';
const PEM =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----';

interface Vectors {
  readonly detector: ValueDetector;
  /** Whole values the detector validates, with their masks; `false` third: not found in free text on its own. */
  readonly valid: readonly (readonly [string, string, false?])[];
  /** Whole values it must not validate. */
  readonly invalid: readonly string[];
  /** Free texts and the substrings found in them (none for a trap). */
  readonly texts: readonly (readonly [string, readonly string[]])[];
}

const VECTORS: readonly Vectors[] = [
  {
    detector: emailDetector,
    valid: [
      ['jane.doe@example.com', 'j***@example.com'],
      ['J.O+tag@mail.example.co.uk', 'J***@mail.example.co.uk'],
      ['zoë@bücher.de', 'z***@bücher.de'],
      ['john@2x.example.com', 'j***@2x.example.com'],
    ],
    invalid: [
      'user@localhost',
      'icon@2x.png',
      'icon@2x.app',
      'a@b',
      'user@example.invalid',
      'user@host.internal',
      'not an email',
      '@example.com',
      'a@b@example.com',
      'x@1.2.3.4',
    ],
    texts: [
      ['Reach jane.doe@example.com.', ['jane.doe@example.com']],
      ['git@github.com:org/repo.git', []],
      ['clone https://user@github.com/org/repo', []],
      ['mailto:ops@example.org, cc a.b@example.net', ['ops@example.org', 'a.b@example.net']],
      ['postgres://app:pw@db.example.com/prod', []],
      ['background: url(icon@2x.png)', []],
    ],
  },
  {
    detector: phoneDetector,
    valid: [
      ['(415) 555-2671', '(***) ***-**71'],
      ['+1 415 555 2671', '+1 *** *** **71'],
      ['+44 20 7946 0958', '+44 ** **** **58'],
      ['415.555.2671', '***.***.**71'],
      ['+33 1 23 45 67 89', '+33 * ** ** ** 89'],
    ],
    invalid: [
      '4155552671',
      '2125551234',
      '1700000000',
      '94103-1234',
      '2024-01-15',
      '555-1234',
      '1.2.3.4',
      '192.168.100.200',
      '(111) 555-2671',
      '12/31/2024',
      '+1 911 555 2671',
    ],
    texts: [
      ['Call (415) 555-2671 or +44 20 7946 0958 today', ['(415) 555-2671', '+44 20 7946 0958']],
      ['order 2125551234 shipped', []],
      ['415-555-2671 415-555-2672', ['415-555-2671', '415-555-2672']],
      ['release 2.10.4.1234 on 2024-01-15', []],
      ['ZIP 94103-1234', []],
      ['ref #415-555-2671', []],
    ],
  },
  {
    detector: createPhoneDetector('GB'),
    valid: [['020 7946 0958', '*** **** **58']],
    invalid: ['02079460958'],
    texts: [['office: 020 7946 0958', ['020 7946 0958']]],
  },
  {
    detector: usSsnDetector,
    valid: [
      ['123-45-6789', '***-**-6789'],
      ['078-05-1120', '***-**-1120'],
      ['219-09-9999', '***-**-9999'],
      ['912-70-1234', '***-**-1234'],
    ],
    invalid: [
      '000-12-3456',
      '666-12-3456',
      '123-00-4567',
      '123-45-0000',
      '912-45-6789',
      '123456789',
      '123 45 6789',
      '94103-1234',
    ],
    texts: [
      ['SSN 123-45-6789, ZIP 94103-1234', ['123-45-6789']],
      ['ssn: 123 45 6789', ['123 45 6789']],
      ['Social Security Number 123456789', ['123456789']],
      ['code 123 45 6789 and 123.45.6789', []],
      ['id 123456789', []],
      ['ref 123-45-67890', []],
    ],
  },
  {
    detector: paymentCardDetector,
    valid: [
      ['4111111111111111', '************1111'],
      ['4111 1111 1111 1111', '**** **** **** 1111'],
      ['4111-1111-1111-1111', '****-****-****-1111'],
      ['4111\u00a01111\u00a01111\u00a01111', '****\u00a0****\u00a0****\u00a01111'],
      ['5555555555554444', '************4444'],
      ['2223003122003222', '************3222'],
      ['3782 822463 10005', '**** ****** *0005'],
      ['6011111111111117', '************1117'],
      ['3530111333300000', '************0000'],
      ['30569309025904', '**********5904'],
      ['6200000000000005', '************0005'],
    ],
    invalid: [
      '490154203237518',
      '1234567812345670',
      '0000000000000000',
      '4111111111111112',
      '4111 1111-1111 1111',
      '411 1111 1111 11111',
      '1700000000000',
      '5555555555554444000',
    ],
    texts: [
      ['card 4111 1111 1111 1111 exp 12/25', ['4111 1111 1111 1111']],
      ['card 4111 1111 1111 1111 12/25', ['4111 1111 1111 1111']],
      ['IMEI 490154203237518', []],
      ['order 4111111111111111', ['4111111111111111']],
      ['ts 1700000000000', []],
    ],
  },
  {
    detector: ibanDetector,
    valid: [
      ['GB82WEST12345698765432', 'GB****************5432'],
      ['DE89 3704 0044 0532 0130 00', 'DE** **** **** **** **30 00'],
      // Lower case only as a whole value: free text needs the registry's upper case.
      ['de89370400440532013000', 'de****************3000', false],
    ],
    invalid: [
      'DE89370400440532013001',
      'XX89370400440532013000',
      'GB82WEST1234569876543',
      'GB82WEST123456987654321',
    ],
    texts: [
      ['pay to DE89 3704 0044 0532 0130 00 EUR', ['DE89 3704 0044 0532 0130 00']],
      ['IBAN: GB82WEST12345698765432.', ['GB82WEST12345698765432']],
      ['DE89370400440532013001', []],
    ],
  },
  {
    detector: abaRoutingDetector,
    valid: [],
    invalid: ['011000015'],
    texts: [
      ['routing number: 011000015', ['011000015']],
      ['ABA 021000021', ['021000021']],
      ['order 011000015', []],
      ['routing 011000016', []],
    ],
  },
  {
    detector: ukNhsNumberDetector,
    valid: [],
    invalid: ['9434765919'],
    texts: [
      ['NHS number 943 476 5919', ['943 476 5919']],
      ['NHS: 9434765919', ['9434765919']],
      ['tel 943 476 5919', []],
      ['NHS 943 476 5918', []],
    ],
  },
  {
    detector: caSinDetector,
    valid: [],
    invalid: ['046454286'],
    texts: [
      ['SIN: 046 454 286', ['046 454 286']],
      ['social insurance number 046-454-286', ['046-454-286']],
      ['sin(x) = 046454286', []],
      ['SIN 846 454 286', []],
    ],
  },
  {
    detector: brCpfDetector,
    valid: [['529.982.247-25', '***.***.***-25']],
    invalid: ['529.982.247-26', '111.111.111-11', '52998224725'],
    texts: [
      ['CPF 529.982.247-25', ['529.982.247-25']],
      ['cpf: 52998224725', ['52998224725']],
      ['id 52998224725', []],
    ],
  },
  {
    detector: plPeselDetector,
    valid: [],
    invalid: ['44051401359'],
    texts: [
      ['PESEL 44051401359', ['44051401359']],
      ['PESEL 44051401358', []],
      ['nr 44051401359', []],
    ],
  },
  {
    detector: inAadhaarDetector,
    valid: [],
    invalid: ['2345 6789 0124'],
    texts: [
      ['Aadhaar 2345 6789 0124', ['2345 6789 0124']],
      ['aadhaar no. 234567890123', []],
      ['code 2345 6789 0124', []],
    ],
  },
  {
    detector: esDniDetector,
    valid: [
      ['12345678Z', '******78Z'],
      ['X1234567L', '******67L'],
    ],
    invalid: ['12345678A', 'X1234567Z'],
    texts: [['DNI 12345678Z y NIE X-1234567-L', ['12345678Z', 'X-1234567-L']]],
  },
  {
    detector: ipAddressDetector,
    valid: [
      ['203.0.113.7', '203.0.113.0'],
      ['203.0.113.7/32', '203.0.113.0/32'],
      ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
      ['2001:0DB8:0000:0000:0000:ff00:0042:8329/64', '2001:db8::/64'],
      ['fe80::1%eth0', 'fe80::%eth0'],
      ['::ffff:203.0.113.7', '::ffff:203.0.113.0'],
    ],
    invalid: [
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4.5',
      '10:30:00',
      '00:1A:2B:3C:4D:5E',
      'a:b:c',
      '1::2::3',
      'zip',
    ],
    texts: [
      ['from 203.0.113.7 and 2001:db8::7', ['203.0.113.7', '2001:db8::7']],
      ['version 1.2.3.4, v 10.0.0.1', []],
      ['OID 1.3.6.1.2.1.1', []],
      ['at 10:30:00 on localhost 127.0.0.1 and 0.0.0.0', []],
      ['std::vector<int> a::b', []],
    ],
  },
  {
    detector: macAddressDetector,
    valid: [
      ['00:1A:2B:3C:4D:5E', '00:1A:2B:**:**:**'],
      ['00-1a-2b-3c-4d-5e', '00-1a-2b-**-**-**'],
      ['001a.2b3c.4d5e', '001a.2b**.****'],
      ['08:00:2b:01:02:03:04:05', '08:00:2b:**:**:**:**:**'],
    ],
    invalid: [
      '00:00:00:00:00:00',
      'FF:FF:FF:FF:FF:FF',
      '00:1A:2B:3C:4D',
      '00:1A-2B:3C:4D:5E',
      '001A2B3C4D5E',
    ],
    texts: [['ap 00:1A:2B:3C:4D:5E seen', ['00:1A:2B:3C:4D:5E']]],
  },
  {
    detector: jwtDetector,
    valid: [[JWT, 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.***.***']],
    invalid: ['eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.sig', 'eyJhbGciOiJIUzI1NiJ9', 'hello.world.again'],
    texts: [[`Authorization header had ${JWT} in it`, [JWT]]],
  },
  {
    detector: privateKeyDetector,
    valid: [[PEM, '-----BEGIN RSA PRIVATE KEY-----\n***\n-----END RSA PRIVATE KEY-----']],
    invalid: [
      '-----BEGIN PUBLIC KEY-----\nMFww\n-----END PUBLIC KEY-----',
      '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----',
    ],
    texts: [
      [`key: ${PEM} end`, [PEM]],
      [
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA',
        ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA'],
      ],
    ],
  },
  {
    detector: passwordHashDetector,
    valid: [
      [BCRYPT, '********'],
      ['$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', '********'],
      ['pbkdf2_sha256$260000$abc123salt$hYX0c7b5pQ1n0TYbB5cKxX0H9A8I4q2o3ZbJw2vN0uE=', '********'],
      [
        '$6$rounds=5000$saltsalt$vEv4mQ5z6O0CMgxWUcqG8E9zTj8hLXqwCU3mZ/TYgNdBf5SUJjdDOQL9jC1kLj0mOu2H1qg7C5yZ9D8cAzHbF1',
        '********',
      ],
      ['$1$abcdefgh$5oPn7zkL1VXoCfaRNJ9Ek/', '********'],
      ['{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', '********'],
      ['SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy', '********'],
      ['md5d8578edf8458ce06fbc5bb76a58c5ca4', '********'],
    ],
    invalid: ['$2b$12$short', 'd8578edf8458ce06fbc5bb76a58c5ca4', 'price $5 or $6', '{SHA}'],
    texts: [[`hash=${BCRYPT};`, [BCRYPT]]],
  },
  {
    detector: apiKeyDetector,
    valid: [
      ['AKIAIOSFODNN7EXAMPLE', 'AKIA****MPLE'],
      ['ghp_1234567890abcdefghijABCDEFGHIJ123456', 'ghp_****3456'],
      [
        'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
        'github_pat_****2345',
      ],
      ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_****p7dc'],
      ['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_****p7dc'],
      ['rk_live_4eC39HqLyjWDarjtT1zdp7dc', 'rk_live_****p7dc'],
      ['xoxb-1234567890-abcdefghijkl', 'xoxb-****ijkl'],
      ['AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIza****stuv'],
      ['sk-proj-abcdefghijklmnopqrstuvwxyz012345', 'sk-proj-****2345'],
      ['glpat-abcdefghij0123456789', 'glpat-****6789'],
      ['SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'SG.****DEFG'],
      ['npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_****6789'],
      ['SK0123456789abcdef0123456789abcdef', 'SK****cdef'],
    ],
    invalid: [
      'pk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'AKIA1234',
      'ghp_short',
      'sk-learn',
      'sketchbook_2024_final_version_x',
    ],
    texts: [
      [
        'export GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456 now',
        ['ghp_1234567890abcdefghijABCDEFGHIJ123456'],
      ],
      ['see scikit-learn and sk-learn docs', []],
    ],
  },
  {
    detector: connectionStringDetector,
    valid: [],
    invalid: ['https://example.com/path', 'postgres://app@db/prod'],
    texts: [
      ['postgres://app:s3cr3t@db.example.com:5432/prod', ['s3cr3t']],
      ['redis://:p@ss@cache:6379/0', ['p@ss']],
      ['jdbc:postgresql://db/prod?user=app&password=hunter2&ssl=true', ['hunter2']],
      ['Server=db;User Id=app;Password=hunter2;Database=prod', ['hunter2']],
      ["host=db password='a b' user=app", ['a b']],
      ['Authorization: Basic dXNlcjpwYXNz', ['dXNlcjpwYXNz']],
      ['https://example.com/path?q=1', []],
      ['Password=****;', []],
      ['"password"=>"hunter2", "user"=>"app"', ['hunter2']],
      ['smtp_pass=hunter2 db_pass: s3cret', ['hunter2', 's3cret']],
      ['tests pass=12 fail=0', []],
    ],
  },
  {
    detector: genericSecretDetector,
    // A bare random string is a secret only in a secret-named column (never in free text).
    valid: [['x9Fk2LmQ8pZ7vR3tY6wB1nC4', '********', false]],
    invalid: ['550e8400-e29b-41d4-a716-446655440000', 'home.title.welcome', 'password', 'short1A'],
    texts: [
      ['api_key: "x9Fk2LmQ8pZ7vR3tY6wB1nC4"', ['x9Fk2LmQ8pZ7vR3tY6wB1nC4']],
      ['client_secret=Zq8wX2nB7vT4kM1pR6yH', ['Zq8wX2nB7vT4kM1pR6yH']],
      ['adminPassword: hunter2', ['hunter2']],
      ['token_type=Bearer api_key_id=12 token_count: 1500', []],
      ['session_token = 550e8400-e29b-41d4-a716-446655440000', []],
      ['password: <your password>', []],
    ],
  },
];

function found(d: ValueDetector, text: string): string[] {
  if (!d.prefilter(textFeatures(text), text)) return [];
  const spans: Span[] = [];
  d.findSpans(text, spans);
  return spans.sort((a, b) => a.start - b.start).map((s) => text.slice(s.start, s.end));
}

describe.each(VECTORS.map((v) => [v.detector.id, v] as const))('%s detector', (_id, v) => {
  it('validates and masks its valid vectors', () => {
    for (const [value, masked, inText] of v.valid) {
      expect([value, v.detector.isValue(value)]).toEqual([value, true]);
      expect(v.detector.mask(value)).toBe(masked);
      expect(found(v.detector, value)).toEqual(inText === false ? [] : [value]);
    }
  });

  it('rejects its invalid vectors', () => {
    for (const value of v.invalid) expect([value, v.detector.isValue(value)]).toEqual([value, false]);
  });

  it('finds only the expected spans in text', () => {
    for (const [text, expected] of v.texts) expect([text, found(v.detector, text)]).toEqual([text, expected]);
  });
});
