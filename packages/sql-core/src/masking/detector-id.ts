/**
 * Stable ids of what masking recognises. A column is classified as one of
 * them (by name, gated by type); a value detector reports spans with one of
 * them. docs/masking.md describes each id, its triggers and its mask.
 */
export const DetectorId = {
  email: 'email',
  phone: 'phone',
  usSsn: 'us_ssn',
  paymentCard: 'payment_card',
  cardSecurityCode: 'card_security_code',
  iban: 'iban',
  bankAccount: 'bank_account',
  abaRouting: 'aba_routing',
  nationalId: 'national_id',
  ukNhsNumber: 'uk_nhs_number',
  caSin: 'ca_sin',
  brCpf: 'br_cpf',
  plPesel: 'pl_pesel',
  inAadhaar: 'in_aadhaar',
  esDni: 'es_dni',
  ipAddress: 'ip_address',
  macAddress: 'mac_address',
  deviceId: 'device_id',
  dateOfBirth: 'date_of_birth',
  personName: 'person_name',
  postalAddress: 'postal_address',
  postalCode: 'postal_code',
  geoLocation: 'geo_location',
  password: 'password',
  passwordHash: 'password_hash',
  secret: 'secret',
  apiKey: 'api_key',
  genericSecret: 'generic_secret',
  jwt: 'jwt',
  privateKey: 'private_key',
  connectionString: 'connection_string',
  cryptoWallet: 'crypto_wallet',
  health: 'health',
  /** Not a kind of data: the column holds free text or JSON whose values are scanned. */
  freeText: 'free_text',
} as const;
export type DetectorId = (typeof DetectorId)[keyof typeof DetectorId];
