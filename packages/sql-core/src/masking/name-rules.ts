import type { TypeCategory } from './column-type';
import type { DetectorId } from './detector-id';

/**
 * How sure a classification is.
 * - `high`: the name says what the values are; every non-null value is masked.
 * - `medium`: the name says it in context (a `name` in an `accounts` table);
 *   every value is masked.
 * - `low`: the name is ambiguous (`key`); only values the detector validates
 *   (for secrets: entropy) are masked.
 */
export const Confidence = { high: 'high', medium: 'medium', low: 'low' } as const;
export type Confidence = (typeof Confidence)[keyof typeof Confidence];

/** One classification rule: phrases that must be the head (end) of the column name. */
export interface NameRule {
  readonly detector: DetectorId;
  readonly confidence: Confidence;
  /** Space-separated singular tokens; the phrase must end the name (after storage suffixes such as `_raw`, `2`). */
  readonly heads: readonly string[];
  /** A token right before the phrase that makes it something else: `public key`, `page token`. */
  readonly notAfter?: readonly string[];
  readonly types: readonly TypeCategory[];
}

const TEXTY: readonly TypeCategory[] = ['text', 'array', 'json', 'other'];
const NUMBERED: readonly TypeCategory[] = [...TEXTY, 'integer', 'numeric'];
const SECRETS: readonly TypeCategory[] = [...TEXTY, 'bytea', 'uuid'];

/** Words before `name` that make it a person's name in any table (`customer_name`, `first_name`). */
// prettier-ignore
export const PERSON_NAME_QUALIFIERS: ReadonlySet<string> = new Set([
  'first', 'last', 'full', 'given', 'family', 'middle', 'maiden', 'legal', 'real', 'preferred', 'birth', 'holder',
  'cardholder', 'contact', 'billing', 'shipping', 'nick', 'sur', 'fore',
]);

/** Tables whose rows are people: their bare `name` (and `display_name`) is a person's name. */
// prettier-ignore
export const PERSON_ENTITIES: ReadonlySet<string> = new Set([
  'user', 'customer', 'patient', 'employee', 'contact', 'person', 'member', 'client', 'student', 'staff', 'guest',
  'subscriber', 'applicant', 'candidate', 'profile', 'passenger', 'traveler', 'traveller', 'driver', 'author',
  'owner', 'recipient', 'sender', 'lead', 'prospect', 'volunteer', 'donor', 'resident', 'citizen', 'voter',
  'participant', 'attendee', 'beneficiary', 'guardian', 'parent', 'teacher', 'doctor', 'physician', 'nurse',
  'worker', 'contractor', 'buyer', 'payer', 'payee', 'spouse', 'emergency', 'account_holder', 'cardholder',
]);

/** Person-like tables where `name` may be an organisation's: classified with medium confidence. */
// prettier-ignore
export const MAYBE_PERSON_ENTITIES: ReadonlySet<string> = new Set(['account', 'seller', 'vendor', 'partner']);

/** `*_key` names that are not secrets. */
// prettier-ignore
const NOT_SECRET_KEYS = [
  'public', 'primary', 'foreign', 'sort', 'cache', 'partition', 'idempotency', 'object', 'lookup', 'unique',
  'natural', 'composite', 'hash', 'range', 'row', 'dedup', 'dedupe', 'routing', 'group', 'message', 'translation',
  'i18n', 'locale', 'storage', 'bucket', 'file', 's3', 'map', 'dict', 'search', 'index', 'redis', 'cluster',
  'shard', 'join', 'surrogate', 'business', 'entity', 'config', 'setting', 'property', 'attribute', 'meta',
  'registry', 'event', 'metric', 'feature', 'flag', 'experiment', 'dimension', 'secondary', 'candidate',
  'alternate', 'tenant', 'label', 'name', 'short', 'display', 'external', 'record', 'item', 'job', 'queue',
  'task', 'stream', 'topic', 'pk', 'fk', 'matching', 'idem', 'version', 'release', 'sequence',
];

/** `*_token` names that are cursors or counters, not credentials. */
// prettier-ignore
const NOT_SECRET_TOKENS = [
  'page', 'next', 'continuation', 'cursor', 'sync', 'pagination', 'idempotency', 'input', 'output', 'prompt',
  'completion', 'max', 'total', 'cached', 'reasoning', 'lexer', 'parse', 'search', 'public', 'rate', 'limit',
];

/**
 * The rules, most specific first: `email address` is an email before `address`
 * is a postal address; the first rule whose phrase ends the name wins.
 */
// prettier-ignore
export const NAME_RULES: readonly NameRule[] = [
  {
    detector: 'password',
    confidence: 'high',
    heads: [
      'password', 'passwd', 'pwd', 'passphrase', 'passcode', 'pass hash', 'pass digest', 'password hash',
      'password digest', 'password salt', 'passwd hash', 'pwd hash', 'salt', 'pin', 'otp', 'secret answer',
      'security answer', 'security question answer',
    ],
    types: [...TEXTY, 'bytea', 'integer', 'numeric'],
  },
  {
    detector: 'card_security_code',
    confidence: 'high',
    heads: ['cvv', 'cvc', 'card security code', 'card verification code', 'card verification value', 'csc'],
    types: [...TEXTY, 'integer', 'numeric'],
  },
  {
    detector: 'private_key',
    confidence: 'high',
    heads: [
      'private key', 'privatekey', 'priv key', 'ssh key', 'ssh private key', 'pem', 'tls key', 'ssl key',
      'signing key', 'rsa key', 'pgp key', 'gpg key', 'client key',
    ],
    types: [...TEXTY, 'bytea'],
  },
  { detector: 'jwt', confidence: 'high', heads: ['jwt', 'id token', 'bearer', 'bearer token'], types: SECRETS },
  {
    detector: 'connection_string',
    confidence: 'high',
    heads: [
      'dsn', 'database url', 'db url', 'database uri', 'db uri', 'connection string', 'conn string', 'conn str',
      'connection url', 'connection uri', 'connstr', 'jdbc url', 'jdbc uri', 'jdbc', 'webhook url', 'redis url',
      'mongo url', 'mongo uri', 'mongodb uri', 'mongodb url', 'amqp url', 'broker url', 'postgres url',
      'postgresql url', 'mysql url', 'dsn url', 'proxy url',
    ],
    types: [...TEXTY, 'bytea'],
  },
  {
    detector: 'secret',
    confidence: 'high',
    heads: [
      'secret', 'client secret', 'api secret', 'app secret', 'webhook secret', 'signing secret', 'shared secret',
      'consumer secret', 'secret key', 'api key', 'apikey', 'access key', 'secret access key', 'access key secret',
      'encryption key', 'master key', 'license key', 'app key', 'auth key', 'session key', 'hmac key', 'shared key',
      'account key', 'sas key', 'token', 'credential', 'recovery code', 'backup code', 'verification code',
      'mfa code', 'auth code', 'authorization code', 'activation code', 'reset code', 'one time code',
      'otp code', 'totp code', 'authorization', 'auth header', 'authorization header', 'cookie', 'session cookie',
      'secret key base', 'api token', 'mnemonic', 'seed phrase', 'recovery phrase',
    ],
    notAfter: NOT_SECRET_TOKENS,
    types: SECRETS,
  },
  { detector: 'secret', confidence: 'low', heads: ['key'], notAfter: NOT_SECRET_KEYS, types: SECRETS },
  {
    detector: 'email',
    confidence: 'high',
    heads: ['email', 'e mail', 'mail', 'email address', 'mail address', 'emailaddress', 'mail addr', 'email addr'],
    notAfter: ['voice', 'snail'],
    types: TEXTY,
  },
  {
    detector: 'phone',
    confidence: 'high',
    heads: [
      'phone', 'phone number', 'phonenumber', 'phone no', 'phone num', 'mobile', 'mobile number', 'mobile phone',
      'cell', 'cellphone', 'cell phone', 'cell number', 'tel', 'telephone', 'telephone number', 'fax', 'fax number',
      'msisdn', 'whatsapp', 'whatsapp number', 'contact number', 'sms number',
    ],
    types: NUMBERED,
  },
  {
    detector: 'us_ssn',
    confidence: 'high',
    heads: ['ssn', 'social security', 'social security number', 'social security no', 'social security num', 'ss num', 'ss number', 'ss no'],
    types: NUMBERED,
  },
  {
    detector: 'payment_card',
    confidence: 'high',
    heads: [
      'card number', 'cardnumber', 'card no', 'card num', 'cc number', 'cc num', 'ccnum', 'cc no', 'pan',
      'credit card', 'creditcard', 'credit card number', 'debit card', 'debit card number', 'primary account number',
      'card pan', 'ccn',
    ],
    types: NUMBERED,
  },
  { detector: 'iban', confidence: 'high', heads: ['iban', 'iban number', 'iban code'], types: TEXTY },
  {
    detector: 'aba_routing',
    confidence: 'high',
    heads: ['routing number', 'routing no', 'routing num', 'aba', 'aba number', 'aba routing number', 'rtn', 'routing transit number'],
    types: NUMBERED,
  },
  {
    detector: 'bank_account',
    confidence: 'high',
    heads: [
      'account number', 'account no', 'account num', 'acct number', 'acct no', 'acct num', 'acctno', 'bank account',
      'bank account number', 'sort code', 'bsb', 'bsb number', 'bank account no',
    ],
    types: NUMBERED,
  },
  { detector: 'uk_nhs_number', confidence: 'high', heads: ['nhs', 'nhs number', 'nhs no', 'nhs num'], types: NUMBERED },
  { detector: 'ca_sin', confidence: 'high', heads: ['sin', 'sin number', 'social insurance number', 'sin no'], types: NUMBERED },
  { detector: 'br_cpf', confidence: 'high', heads: ['cpf', 'cpf number'], types: NUMBERED },
  { detector: 'pl_pesel', confidence: 'high', heads: ['pesel', 'pesel number'], types: NUMBERED },
  { detector: 'in_aadhaar', confidence: 'high', heads: ['aadhaar', 'aadhar', 'aadhaar number', 'aadhar number', 'uid number'], types: NUMBERED },
  { detector: 'es_dni', confidence: 'high', heads: ['dni', 'nie', 'nif', 'dni number'], types: TEXTY },
  {
    detector: 'national_id',
    confidence: 'high',
    heads: [
      'national id', 'national identity number', 'national id number', 'national insurance number', 'nino',
      'ni number', 'tax id', 'tin', 'tax number', 'taxpayer id', 'tax identification number', 'passport',
      'passport number', 'passport no', 'driver license', 'drivers license', 'driver licence', 'drivers licence',
      'driving licence', 'driving license', 'driver license number', 'drivers license number', 'dl number', 'dl no',
      'license number', 'licence number', 'itin', 'personnummer', 'bsn', 'id number', 'identity number',
      'id card number', 'identity card number', 'curp', 'health card number', 'health insurance number',
      'medicare number', 'national health number', 'voter id', 'voter number', 'social id',
    ],
    types: NUMBERED,
  },
  {
    detector: 'ip_address',
    confidence: 'high',
    heads: [
      'ip', 'ip address', 'ipaddress', 'ipaddr', 'ip addr', 'ipv', 'remote addr', 'remote address', 'remote ip',
      'client ip', 'x forwarded for', 'forwarded for', 'source ip', 'client address', 'peer address', 'peer addr',
    ],
    types: [...TEXTY, 'inet', 'integer'],
  },
  {
    detector: 'mac_address',
    confidence: 'high',
    heads: ['mac', 'mac address', 'macaddress', 'macaddr', 'mac addr', 'bssid', 'hardware address', 'hw addr', 'hwaddr'],
    types: [...TEXTY, 'macaddr'],
  },
  {
    detector: 'device_id',
    confidence: 'high',
    heads: ['imei', 'imsi', 'iccid', 'idfa', 'idfv', 'gaid', 'aaid', 'meid', 'udid', 'advertising id', 'advertiser id', 'ad id'],
    types: [...NUMBERED, 'uuid'],
  },
  {
    detector: 'date_of_birth',
    confidence: 'high',
    heads: ['dob', 'birthday', 'birthdate', 'birth date', 'date of birth', 'birth day', 'born on', 'born at', 'birth dt'],
    types: ['date', 'timestamp', 'text', 'other'],
  },
  {
    detector: 'person_name',
    confidence: 'high',
    heads: [
      'first name', 'firstname', 'last name', 'lastname', 'surname', 'full name', 'fullname', 'given name',
      'givenname', 'family name', 'familyname', 'middle name', 'middlename', 'maiden name', 'forename',
      'legal name', 'nickname', 'cardholder name', 'card holder name', 'account holder name',
    ],
    types: TEXTY,
  },
  {
    detector: 'postal_address',
    confidence: 'high',
    heads: ['address', 'street', 'street address', 'address line', 'addr', 'addr line', 'street line', 'house number'],
    notAfter: [
      'web', 'url', 'memory', 'base', 'contract', 'bind', 'listen', 'network', 'broadcast', 'gateway', 'hardware',
      'server', 'host', 'node', 'proxy', 'ip', 'mac', 'email', 'mail', 'wallet', 'btc', 'eth', 'token', 'public',
      'remote', 'peer', 'client', 'local', 'source', 'destination', 'socket',
    ],
    types: TEXTY,
  },
  {
    detector: 'postal_code',
    confidence: 'high',
    heads: ['zip', 'zipcode', 'zip code', 'postal code', 'postalcode', 'postcode', 'post code', 'plz', 'cep', 'zip4'],
    types: NUMBERED,
  },
  {
    detector: 'geo_location',
    confidence: 'high',
    heads: ['lat', 'latitude', 'lng', 'lon', 'longitude', 'geo', 'geolocation', 'coordinates', 'coord', 'gps', 'latlng', 'lat lng', 'lat lon', 'geo point'],
    types: [...TEXTY, 'numeric', 'float'],
  },
  {
    detector: 'crypto_wallet',
    confidence: 'high',
    heads: ['wallet', 'wallet address', 'btc address', 'bitcoin address', 'eth address', 'ethereum address', 'crypto address'],
    types: TEXTY,
  },
  {
    detector: 'health',
    confidence: 'high',
    heads: ['mrn', 'medical record', 'medical record number', 'diagnosis', 'icd', 'diagnosis code', 'health record', 'medical history', 'medical condition'],
    types: TEXTY,
  },
  {
    detector: 'free_text',
    confidence: 'medium',
    heads: [
      'note', 'comment', 'description', 'body', 'message', 'bio', 'payload', 'metadata', 'content', 'remark',
      'memo', 'detail', 'text', 'summary', 'biography', 'feedback', 'log', 'data', 'attribute', 'extra',
      'context', 'property', 'header', 'params', 'param', 'request', 'response', 'raw',
    ],
    types: TEXTY,
  },
];
