/**
 * Masks for numeric columns, in their text form, that stay valid numbers of
 * the same type and never grow in magnitude (so an int4 stays an int4).
 */

const INTEGER = /^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$/;

/**
 * Digit mask keeping the last `keep` digits, the others zeroed:
 * `123456789` -> `6789`, `4111111111111111` -> `1111`, `-42.50` -> `0.00`
 * when there are too few digits to hide. A value that is not a plain number
 * becomes `0`.
 */
export function keepLastDigitsNumber(value: string, keep: number): string {
  const m = INTEGER.exec(value);
  if (!m) return '0';
  const sign = m[1] === '-' ? '-' : '';
  const digits = m[2] as string;
  const fraction = m[3] === undefined ? '' : `.${'0'.repeat(m[3].length)}`;
  // A short number is entirely the secret: nothing is kept.
  const kept = digits.length >= keep * 2 ? digits.slice(-keep).replace(/^0+(?=\d)/, '') : '0';
  return kept === '0' ? `0${fraction}` : `${sign}${kept}${fraction}`;
}

/** ZIP codes stored as integers: the first three digits kept, the rest zeroed (`94103` -> `94100`). */
export function truncateNumber(value: string, keepLeading: number): string {
  const m = INTEGER.exec(value);
  if (!m) return '0';
  const digits = m[2] as string;
  if (digits.length <= keepLeading) return '0';
  const fraction = m[3] === undefined ? '' : `.${'0'.repeat(m[3].length)}`;
  return `${m[1] === '-' ? '-' : ''}${digits.slice(0, keepLeading)}${'0'.repeat(digits.length - keepLeading)}${fraction}`;
}

/** An IPv4 address stored as an integer (MySQL INET_ATON): the last octet zeroed. */
export function maskIntegerIPv4(value: string): string {
  const m = INTEGER.exec(value);
  if (!m || m[1] === '-' || m[3] !== undefined) return '0';
  const n = BigInt(m[2] as string);
  if (n > 0xffffffffn) return '0';
  return (n - (n % 256n)).toString();
}

/** Coordinates and other floats rounded to `decimals` places (`37.774929` -> `37.77`). */
export function roundNumber(value: string, decimals: number): string {
  const n = Number(value);
  if (!Number.isFinite(n)) return value.trim() === 'NaN' || /infinity/i.test(value) ? value : '0';
  return n.toFixed(decimals);
}
