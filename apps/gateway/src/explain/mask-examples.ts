import { classifyColumn, type ColumnMasker, type ResultColumn } from '@gatehouse/sql-core';
import type { MaskExample } from './masking-report';

/**
 * Made-up values (documentation ranges: example.com, 203.0.113.0/24, test
 * card numbers) that show what a mask's format looks like. Explain never
 * shows a value from the database: it runs nothing.
 */
const TEXT_SAMPLES: Readonly<Record<string, string>> = {
  email: 'jane.doe@example.com',
  phone: '+1 (415) 555-2671',
  us_ssn: '536-22-8845',
  payment_card: '4111 1111 1111 1111',
  card_security_code: '737',
  iban: 'DE89370400440532013000',
  bank_account: '000123456789',
  aba_routing: '011000015',
  ip_address: '203.0.113.77',
  mac_address: '08:00:2b:01:02:03',
  date_of_birth: '1985-03-14',
  person_name: 'Jane Doe',
  postal_address: '1 Main Street, Springfield',
  postal_code: '94103',
  password: 'correct-horse-battery',
};

/** A value a rule-masked column might hold (no detector says what it is). */
const RULE_SAMPLE = 'REF-2024-0001';
const FREE_TEXT = 'call jane.doe@example.com about card 4111 1111 1111 1111';
const JSON_SAMPLE = '{"email": "jane.doe@example.com", "plan": "pro"}';

const TYPE_SAMPLES: Readonly<Record<string, string>> = {
  date: '1985-03-14',
  timestamp: '1985-03-14 09:30:00',
  inet: '203.0.113.77',
  macaddr: '08:00:2b:01:02:03',
  uuid: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  json: JSON_SAMPLE,
};

function textSample(kind: string, column: ResultColumn): string | null {
  const own = TEXT_SAMPLES[kind];
  if (own !== undefined) return own;
  if (kind === 'scan' || kind === 'free_text') return FREE_TEXT;
  if (kind === 'redact' || kind === 'last4' || kind === 'deterministic') {
    // A rule's mask on a column whose name also says what it holds: show it on such a value.
    const named = classifyColumn({ ...column, type: 'text' })?.detector;
    return (named !== undefined ? TEXT_SAMPLES[named] : undefined) ?? RULE_SAMPLE;
  }
  return null;
}

function sampleFor(kind: string, column: ResultColumn): string | null {
  const typed = TYPE_SAMPLES[column.type];
  if (typed !== undefined) return typed;
  if (column.type === 'integer' || column.type === 'numeric' || column.type === 'float') {
    const digits = (textSample(kind, column) ?? '').replace(/\D/g, '');
    return digits.length > 0 ? digits.slice(0, 15) : '123456789';
  }
  const text = textSample(kind, column);
  if (text === null) return null;
  if (column.type === 'text' || column.type === 'other') return text;
  if (column.type === 'array') return `{"${text.replace(/["\\]/g, (c) => `\\${c}`)}"}`;
  return null;
}

/** The mask on a made-up value of the column's kind and type; null when there is none to show. */
export function maskExample(kind: string, column: ResultColumn, masker: ColumnMasker): MaskExample | null {
  if (kind === 'row') return null;
  const value = sampleFor(kind, column);
  if (value === null) return null;
  try {
    const masked = masker(value);
    return masked === value ? null : { value, masked };
  } catch {
    return null;
  }
}
