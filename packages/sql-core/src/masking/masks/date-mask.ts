/**
 * Dates of birth cut to the year, in the format they came in, so that a
 * client parses the masked value as it parsed the original:
 * `1985-03-15` -> `1985-01-01`, `1985-03-15 10:22:33.5+02` ->
 * `1985-01-01 00:00:00+02` (timestamptz keeps its offset),
 * `1985-03-15T10:22:33Z` -> `1985-01-01T00:00:00Z`, `03/15/1985` -> `01/01/1985`.
 */

const ISO =
  /^(\d{4,})-(\d{2})-(\d{2})(?:([ T])(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?((?:\s*(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?))?)((?:\s*BC)?)$/i;
const DMY_OR_MDY = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})((?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)(.*)$/;
const YMD_SLASH = /^(\d{4})([/.])(\d{1,2})\2(\d{1,2})((?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)(.*)$/;
const YEAR = /(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)/;
const TIME = /\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?/;

function zeroTime(time: string): string {
  if (time === '') return '';
  return time.replace(TIME, (t) => (t.split(':').length === 3 ? '00:00:00' : '00:00'));
}

/** The value cut to its year in the same format, or null when no date format is recognised. */
export function dateToYear(value: string): string | null {
  if (value === 'infinity' || value === '-infinity') return value;
  const iso = ISO.exec(value);
  if (iso) {
    const [, year, month, , sep, , , seconds, offset, bc] = iso;
    // MySQL zero dates (0000-00-00) say nothing.
    if (month === '00') return value;
    const time = sep === undefined ? '' : `${sep}${seconds === undefined ? '00:00' : '00:00:00'}`;
    return `${year}-01-01${time}${offset ?? ''}${bc ?? ''}`;
  }
  const ymd = YMD_SLASH.exec(value);
  if (ymd) {
    const [, year, sep, , , time, rest] = ymd;
    return `${year}${sep}01${sep}01${zeroTime(time ?? '')}${rest ?? ''}`;
  }
  const dmy = DMY_OR_MDY.exec(value);
  if (dmy) {
    const [, , sep, , year, time, rest] = dmy;
    return `01${sep}01${sep}${year}${zeroTime(time ?? '')}${rest ?? ''}`;
  }
  return null;
}

/**
 * Date of birth mask for date/timestamp columns and for text: the year in the
 * input's format; an unrecognised format gives `YYYY-01-01` when a year can be
 * found, else `fallback`.
 */
export function maskDateOfBirth(value: string, fallback: string): string {
  const cut = dateToYear(value);
  if (cut !== null) return cut;
  const year = YEAR.exec(value);
  return year ? `${year[1] as string}-01-01` : fallback;
}
