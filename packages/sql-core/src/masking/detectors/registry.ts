import type { CountryCode } from 'libphonenumber-js';
import type { DetectorId } from '../detector-id';
import { apiKeyDetector } from './api-key';
import { connectionStringDetector } from './connection-string';
import { emailDetector } from './email';
import { genericSecretDetector } from './generic-secret';
import { ibanDetector } from './iban';
import { ipAddressDetector } from './ip-address';
import { jwtDetector } from './jwt';
import { macAddressDetector } from './mac-address';
import { NATIONAL_ID_DETECTORS } from './national-id';
import { passwordHashDetector } from './password-hash';
import { paymentCardDetector } from './payment-card';
import { createPhoneDetector, phoneDetector } from './phone';
import { privateKeyDetector } from './private-key';
import { usSsnDetector } from './us-ssn';
import type { ValueDetector } from './value-detector';

/**
 * Every value detector, in priority order: when two matches overlap, the
 * earlier detector wins (a URL's password before the email-like text around
 * it, a card number before the phone number inside it).
 */
function ordered(phone: ValueDetector): readonly ValueDetector[] {
  return [
    privateKeyDetector,
    jwtDetector,
    passwordHashDetector,
    apiKeyDetector,
    connectionStringDetector,
    genericSecretDetector,
    paymentCardDetector,
    ibanDetector,
    usSsnDetector,
    ...NATIONAL_ID_DETECTORS,
    emailDetector,
    phone,
    ipAddressDetector,
    macAddressDetector,
  ];
}

export const VALUE_DETECTORS: readonly ValueDetector[] = ordered(phoneDetector);

const byCountry = new Map<string, readonly ValueDetector[]>([['US', VALUE_DETECTORS]]);

/** The detectors with phone numbers read for `defaultCountry` (numbers written without `+`). */
export function valueDetectors(defaultCountry: CountryCode = 'US'): readonly ValueDetector[] {
  let list = byCountry.get(defaultCountry);
  if (list === undefined) {
    list = ordered(createPhoneDetector(defaultCountry));
    byCountry.set(defaultCountry, list);
  }
  return list;
}

const BY_ID = new Map<DetectorId, ValueDetector>(VALUE_DETECTORS.map((d) => [d.id, d]));

/** The value detector with this id, if the id has one (name-only ids such as `person_name` have none). */
export function valueDetector(id: DetectorId): ValueDetector | undefined {
  return BY_ID.get(id);
}
