import { scanExclusions, type ColumnClassification } from './column-classifier';
import type { ColumnShape, TypeCategory } from './column-type';
import { maskIp } from './detectors/ip-address';
import { maskMac } from './detectors/mac-address';
import { JsonMasker } from './json-masker';
import { DEFAULT_MASK_OPTIONS, type MaskOptions } from './mask-options';
import { maskDateOfBirth } from './masks/date-mask';
import { pseudoAlnum, pseudoInteger, pseudoUuid } from './masks/deterministic';
import type { ByteMask } from './masks/byte-masks';
import { numberMask, textMask, type ValueMask } from './masks/detector-masks';
import { fitLength, keepAlnum, REDACTED } from './masks/format-masks';
import { keepLastDigitsNumber } from './masks/number-mask';
import { maskCarriedBytea, mayCarryByteaSpans } from './bytea-carried';
import { byteaScanMasker } from './bytea-scan';
import { mapPgArray } from './pg-array';
import { maskText, mayHaveSpans } from './text-scanner';

/**
 * Masks one non-null value of a result column, in text format (PostgreSQL
 * text output, MySQL text protocol). NULL is never passed: it stays NULL.
 * Returns the identical string when the value needs no change, so the engine
 * can forward the original bytes (`masked === value`).
 */
export interface ColumnMasker {
  (value: string): string;
  /**
   * The same mask on a value's ASCII bytes, written straight to `out` at `at`: returns the bytes
   * written, or -1 to say "use the string mask" (a value that is not plain ASCII, or not simple).
   */
  readonly bytes?: ByteMask;
  /**
   * False when this value (its text-format bytes, UTF-8) certainly passes unchanged: nothing a
   * scan looks for can be in it. The engine then forwards it without making a string.
   */
  readonly mayChange?: (src: Uint8Array, start: number, end: number) => boolean;
  /** bytea columns: the mask on the value's raw bytes (binary format); undefined when it stays. */
  readonly raw?: (value: Uint8Array) => Uint8Array | undefined;
}

/** The column a masker is built for: its type, and its name when known (a value scan reads it for exclusions). */
export type MaskedColumn = ColumnShape & { readonly column?: string };

/** How a column is masked: by a classification, by scanning values for spans, or fully redacted. */
export type MaskHow = ColumnClassification | 'scan' | 'redact' | 'deterministic' | 'last4';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** `\x`: how a bytea's hex text starts. */
const BACKSLASH = 0x5c;
const X = 0x78;
const identity: ColumnMasker = (v) => v;

/** A value of the type that hides everything and that a client still parses. */
export function redactedValue(
  type: TypeCategory,
  options: MaskOptions = DEFAULT_MASK_OPTIONS,
): string | null {
  switch (type) {
    case 'text':
    case 'other':
      return REDACTED;
    case 'integer':
    case 'numeric':
    case 'float':
      return '0';
    case 'date':
      return '1900-01-01';
    case 'timestamp':
      return '1900-01-01 00:00:00';
    case 'time':
    case 'interval':
      return '00:00:00';
    case 'uuid':
      return NIL_UUID;
    case 'inet':
      return '0.0.0.0';
    case 'macaddr':
      return '00:00:00:00:00:00';
    case 'json':
      return 'null';
    case 'bytea':
      return options.dialect === 'mysql' ? '' : '\\x';
    case 'array':
      return '{}';
    case 'boolean':
      return null;
  }
}

/** Text masks that must not break a varchar(n) / char(n). */
function fitted(mask: ValueMask, shape: ColumnShape): ColumnMasker {
  const length = shape.length;
  if (length === undefined && !shape.fixedLength) return mask;
  const fit: ColumnMasker = (v) => {
    const masked = mask(v);
    return masked === v ? v : fitLength(masked, v, length, shape.fixedLength);
  };
  const { bytes, mayChange } = mask;
  if (mayChange !== undefined) Object.assign(fit, { mayChange });
  // A byte mask writes ASCII, one byte a character: within varchar(n) it stands; longer, the string mask fits it.
  if (bytes !== undefined && !shape.fixedLength && length !== undefined) {
    const within: ByteMask = (src, start, end, out, at) => {
      const written = bytes(src, start, end, out, at);
      return written > length ? -1 : written;
    };
    Object.assign(fit, { bytes: within });
  }
  return fit;
}

function scanMasker(shape: MaskedColumn, options: MaskOptions): ColumnMasker {
  const scan = {
    defaultCountry: options.defaultCountry ?? 'US',
    exclude: shape.column === undefined ? [] : scanExclusions(shape.column),
  };
  // A scan changes nothing in a value no detector's prefilter passes on: decided on the bytes.
  const mayChange = (src: Uint8Array, start: number, end: number): boolean =>
    mayHaveSpans(src, start, end, scan);
  switch (shape.type) {
    case 'text':
    case 'other': {
      if (options.dialect === 'mysql')
        return Object.assign(
          fitted((v) => maskText(v, scan), shape),
          { mayChange },
        );
      // A bytea cast to text (`attachment::text`) is its `\x` hex: its bytes are scanned as the bytea's would be.
      const hex = byteaScanMasker(scan, 'postgres');
      const hexMayChange = hex.mayChange as NonNullable<ColumnMasker['mayChange']>;
      const mask = (v: string): string => {
        if (v.charCodeAt(0) === BACKSLASH && v.charCodeAt(1) === X) {
          const masked = hex(v);
          if (masked !== v) return masked;
        }
        // A bytea carried in a record or JSON as text (`row(attachment)::text`) is scanned too.
        return maskCarriedBytea(v, scan);
      };
      const check = (src: Uint8Array, start: number, end: number): boolean =>
        mayChange(src, start, end) ||
        (src[start] === BACKSLASH && src[start + 1] === X && hexMayChange(src, start, end)) ||
        mayCarryByteaSpans(src, start, end, scan);
      return Object.assign(fitted(mask, shape), { mayChange: check });
    }
    case 'array': {
      // bytea elements, hex or escape, decoded and scanned one by one; one that does not parse hides the array.
      if (shape.elementType === 'bytea') {
        const element = byteaScanMasker(scan, options.dialect);
        return (v: string) => mapPgArray(v, element) ?? '{}';
      }
      // Masks never add quotes, braces, commas or backslashes, so spans can be replaced in the literal
      // itself; a bytea carried in its elements (records, JSON) is rewritten as hex in place.
      const carried = (src: Uint8Array, start: number, end: number): boolean =>
        mayChange(src, start, end) || mayCarryByteaSpans(src, start, end, scan);
      return Object.assign((v: string) => maskCarriedBytea(v, scan), { mayChange: carried });
    }
    case 'bytea':
      return byteaScanMasker(scan, options.dialect);
    case 'json': {
      const json = new JsonMasker(options);
      return (v) => json.mask(v, null);
    }
    case 'inet':
      return (v) => {
        const m = maskIp(v);
        return m === REDACTED ? '0.0.0.0' : m;
      };
    case 'macaddr':
      return (v) => maskMac(v, '0');
    default:
      return identity;
  }
}

function deterministicMasker(shape: ColumnShape, options: MaskOptions): ColumnMasker {
  const key = options.key;
  if (key === undefined || key === null) return redactMasker(shape, options);
  switch (shape.type) {
    case 'integer':
    case 'numeric':
      return (v) => pseudoInteger(key, 'column', v);
    case 'uuid':
      return (v) => pseudoUuid(key, v);
    case 'text':
    case 'other':
      return fitted((v) => pseudoAlnum(key, 'column', v), shape);
    default:
      return redactMasker(shape, options);
  }
}

function last4Masker(shape: ColumnShape, options: MaskOptions): ColumnMasker {
  switch (shape.type) {
    case 'text':
    case 'other':
      return fitted((v) => keepAlnum(v, 0, 4), shape);
    case 'integer':
    case 'numeric':
      return (v) => keepLastDigitsNumber(v, 4);
    case 'array': {
      const element = last4Masker({ type: shape.elementType ?? 'text' }, options);
      return (v) => mapPgArray(v, element) ?? '{}';
    }
    default:
      return redactMasker(shape, options);
  }
}

function redactMasker(shape: ColumnShape, options: MaskOptions): ColumnMasker {
  if (shape.type === 'array') {
    const element = redactMasker({ type: shape.elementType ?? 'text' }, options);
    return (v) => mapPgArray(v, element) ?? '{}';
  }
  const value = redactedValue(shape.type, options);
  if (value === null) return identity;
  return shape.type === 'text' || shape.type === 'other' ? fitted(() => value, shape) : () => value;
}

function classifiedMasker(c: ColumnClassification, shape: ColumnShape, options: MaskOptions): ColumnMasker {
  switch (shape.type) {
    case 'boolean':
    case 'time':
    case 'interval':
      return identity;
    case 'integer':
    case 'numeric':
      return numberMask(c, false, options);
    case 'float':
      return numberMask(c, true, options);
    case 'date':
    case 'timestamp': {
      if (c.detector !== 'date_of_birth') return redactMasker(shape, options);
      const fallback = redactedValue(shape.type) as string;
      return (v) => maskDateOfBirth(v, fallback);
    }
    case 'uuid': {
      const key = options.deterministic ? options.key : null;
      return key !== undefined && key !== null ? (v) => pseudoUuid(key, v) : () => NIL_UUID;
    }
    case 'inet':
      return scanMasker(shape, options);
    case 'macaddr':
      return (v) => maskMac(v, '0');
    case 'json': {
      const json = new JsonMasker(options);
      return (v) => json.mask(v, c);
    }
    case 'bytea':
      return redactMasker(shape, options);
    case 'array': {
      const element = classifiedMasker(c, { type: shape.elementType ?? 'text' }, options);
      return (v) => mapPgArray(v, element) ?? '{}';
    }
    case 'text':
    case 'other':
      return fitted(textMask(c, options), shape);
  }
}

/** Never lets a value through unmasked: a mask that throws gives the type's redacted value. */
function failClosed(mask: ColumnMasker, shape: ColumnShape, options: MaskOptions): ColumnMasker {
  if (mask === identity) return mask;
  const fallback = redactedValue(shape.type, options) ?? '';
  const safe = (v: string): string => {
    try {
      return mask(v);
    } catch {
      return fallback;
    }
  };
  // Byte masks and checks are total (they decline what they cannot do): no guard needed. A raw
  // (binary) mask that throws is caught by the engine, which then sends NULL.
  const { bytes, mayChange, raw } = mask;
  if (bytes !== undefined) Object.assign(safe, { bytes });
  if (mayChange !== undefined) Object.assign(safe, { mayChange });
  if (raw !== undefined) Object.assign(safe, { raw });
  return safe;
}

/**
 * Builds the masker of one result column, once per result set; the returned
 * function runs per cell. `how`: a classification (from `classifyColumn`),
 * `'scan'` (replace only validated spans: the backstop for columns of unknown
 * lineage), `'redact'` (hide everything, keep the type), `'last4'` (only the
 * last four letters or digits stay) or `'deterministic'` (keyed pseudonym of
 * the whole value).
 */
export function createColumnMasker(
  how: MaskHow,
  shape: MaskedColumn,
  options: MaskOptions = DEFAULT_MASK_OPTIONS,
): ColumnMasker {
  let mask: ColumnMasker;
  if (how === 'scan') mask = scanMasker(shape, options);
  else if (how === 'redact') mask = redactMasker(shape, options);
  else if (how === 'deterministic') mask = deterministicMasker(shape, options);
  else if (how === 'last4') mask = last4Masker(shape, options);
  else mask = classifiedMasker(how, shape, options);
  return failClosed(mask, shape, options);
}

/** A JSON masker for a serialised row of `table` (`row_to_json(u)`, `json_agg(u)`): top-level keys classify as the table's columns. */
export function createRowJsonMasker(
  table: string | null,
  options: MaskOptions = DEFAULT_MASK_OPTIONS,
): ColumnMasker {
  const json = new JsonMasker(options);
  return failClosed((v) => json.mask(v, null, table), { type: 'json' }, options);
}
