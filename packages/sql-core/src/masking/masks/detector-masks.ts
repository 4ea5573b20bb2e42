import type { ColumnClassification } from '../column-classifier';
import type { DetectorId } from '../detector-id';
import { maskCredentials } from '../detectors/connection-string';
import { emailDetector } from '../detectors/email';
import { maskIban } from '../detectors/iban';
import { maskIp } from '../detectors/ip-address';
import { maskMac } from '../detectors/mac-address';
import { callingCodeLength, maskPhone } from '../detectors/phone';
import type { Span } from '../detectors/value-detector';
import type { MaskOptions } from '../mask-options';
import { maskText, mayHaveSpans } from '../text-scanner';
import { keepLastDigitsBytes, maskEmailBytes, maskPhoneBytes, type ByteMask } from './byte-masks';
import { maskDateOfBirth } from './date-mask';
import { pseudoAlnum, pseudoEmail, pseudoInteger, pseudoName, type PseudonymKey } from './deterministic';
import {
  keepAlnum,
  keepEdges,
  keepLastDigits,
  maskEmail,
  maskListOrWhole,
  maskPersonName,
  maskPostalCode,
  REDACTED,
  roundCoordinates,
  SECRET_REDACTED,
} from './format-masks';
import { keepLastDigitsNumber, maskIntegerIPv4, roundNumber, truncateNumber } from './number-mask';
import { looksLikeSecret, maskSecretValue } from './secret-mask';

/** A mask of one non-null value in text form; `bytes`, when set, does the same on ASCII bytes. */
export interface ValueMask {
  (value: string): string;
  readonly bytes?: ByteMask;
  /** False when the value (UTF-8 bytes) certainly stays as it is. */
  readonly mayChange?: (src: Uint8Array, start: number, end: number) => boolean;
}

const withBytes = (mask: (value: string) => string, bytes: ByteMask): ValueMask =>
  Object.assign(mask, { bytes });

const SECRET: ValueMask = () => SECRET_REDACTED;
const redact: ValueMask = () => REDACTED;

/** Identifiers of people and accounts: digit masks keeping the last four, or same-shape pseudonyms. */
const NUMBER_IDS: ReadonlySet<DetectorId> = new Set<DetectorId>([
  'us_ssn',
  'payment_card',
  'bank_account',
  'aba_routing',
  'uk_nhs_number',
  'ca_sin',
  'br_cpf',
  'pl_pesel',
  'in_aadhaar',
  'phone',
]);
const ALNUM_IDS: ReadonlySet<DetectorId> = new Set<DetectorId>(['national_id', 'es_dni', 'device_id']);
const SECRETS: ReadonlySet<DetectorId> = new Set<DetectorId>([
  'secret',
  'api_key',
  'generic_secret',
  'jwt',
  'private_key',
]);

function deterministicKey(options: MaskOptions): PseudonymKey | null {
  return options.deterministic === true && options.key !== undefined && options.key !== null
    ? options.key
    : null;
}

function phoneKeep(value: string): number {
  const v = value.trimStart();
  return v.startsWith('+') ? callingCodeLength(v.slice(1).replace(/\D/g, '')) : 0;
}

/** One address, or a list of them (`string_agg(email, ', ')`), each keeping its own domain. */
function maskEmails(value: string): string {
  const at = value.indexOf('@');
  if (at < 0 || value.indexOf('@', at + 1) < 0) return maskEmail(value);
  const spans: Span[] = [];
  emailDetector.findSpans(value, spans);
  return maskListOrWhole(value, spans, maskEmail, maskEmail);
}

function textMaskOf(detector: DetectorId, options: MaskOptions): ValueMask {
  const key = deterministicKey(options);
  if (NUMBER_IDS.has(detector)) {
    if (key !== null) return (v) => pseudoAlnum(key, detector, v, detector === 'phone' ? phoneKeep(v) : 0);
    if (detector === 'phone') return withBytes((v) => maskPhone(v), maskPhoneBytes);
    if (detector === 'br_cpf') return withBytes((v) => keepLastDigits(v, 2), keepLastDigitsBytes(2));
    if (detector === 'ca_sin') return withBytes((v) => keepLastDigits(v, 3), keepLastDigitsBytes(3));
    return withBytes((v) => keepLastDigits(v, 4), keepLastDigitsBytes(4));
  }
  if (ALNUM_IDS.has(detector))
    return key !== null ? (v) => pseudoAlnum(key, detector, v) : (v) => keepAlnum(v, 0, 4);
  if (SECRETS.has(detector)) return maskSecretValue;
  switch (detector) {
    case 'email':
      return key !== null ? (v) => pseudoEmail(key, v) : withBytes((v) => maskEmails(v), maskEmailBytes);
    case 'iban':
      return key !== null ? (v) => pseudoAlnum(key, 'iban', v, 2) : maskIban;
    case 'password':
    case 'password_hash':
    case 'card_security_code':
      return SECRET;
    case 'connection_string':
      return maskCredentials;
    case 'ip_address':
      return maskIp;
    case 'mac_address':
      return (v) => maskMac(v);
    case 'date_of_birth':
      return (v) => maskDateOfBirth(v, REDACTED);
    case 'person_name':
      return key !== null ? (v) => pseudoName(key, v) : maskPersonName;
    case 'postal_address':
      return key !== null ? (v) => pseudoAlnum(key, 'postal_address', v) : redact;
    case 'postal_code':
      return maskPostalCode;
    case 'geo_location':
      return roundCoordinates;
    case 'crypto_wallet':
      return key !== null ? (v) => pseudoAlnum(key, 'crypto_wallet', v) : (v) => keepEdges(v, 4, 4);
    case 'health':
      return key !== null ? (v) => pseudoAlnum(key, 'health', v) : redact;
    case 'free_text': {
      const scan = { defaultCountry: options.defaultCountry ?? 'US' };
      return Object.assign((v: string) => maskText(v, scan), {
        mayChange: (src: Uint8Array, start: number, end: number) => mayHaveSpans(src, start, end, scan),
      });
    }
    default:
      return redact;
  }
}

/**
 * The mask of a text value of a column so classified. A low-confidence
 * classification (an ambiguous name such as `key`) masks only values that
 * validate.
 */
export function textMask(c: ColumnClassification, options: MaskOptions): ValueMask {
  const mask = textMaskOf(c.detector, options);
  if (c.confidence !== 'low') return mask;
  return (v) => (looksLikeSecret(v) ? mask(v) : v);
}

/**
 * The mask of a number (text form of an integer, numeric or float column,
 * or a JSON number) so classified; the result is a number of no larger
 * magnitude, so it fits the column's type.
 */
export function numberMask(c: ColumnClassification, float: boolean, options: MaskOptions): ValueMask {
  const key = deterministicKey(options);
  const d = c.detector;
  // An ambiguous name (`key`) masks only values that look like secrets, and a number does not.
  if (c.confidence === 'low') return (v) => v;
  if (d === 'geo_location') return (v) => roundNumber(v, 2);
  if (float) return () => '0';
  if (NUMBER_IDS.has(d) || ALNUM_IDS.has(d)) {
    return key !== null ? (v) => pseudoInteger(key, d, v) : (v) => keepLastDigitsNumber(v, 4);
  }
  if (d === 'postal_code') return (v) => truncateNumber(v, 3);
  if (d === 'ip_address') return maskIntegerIPv4;
  return () => '0';
}
