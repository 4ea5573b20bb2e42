let lastMs = Number.NaN;
let lastText = '';

/**
 * The current time as a record's `time` (ISO 8601, UTC, milliseconds),
 * formatted once per millisecond: a busy gateway writes many records in
 * one, and formatting a date costs more than the rest of an outcome.
 */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastText;
}
