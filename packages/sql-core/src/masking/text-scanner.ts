import type { CountryCode } from 'libphonenumber-js';
import type { DetectorId } from './detector-id';
import { valueDetectors } from './detectors/registry';
import { byteFeatures, textFeatures, type Span, type ValueDetector } from './detectors/value-detector';

export type { Span } from './detectors/value-detector';

/** Options of a free-text scan. */
export interface ScanOptions {
  /** Region for phone numbers written without `+`. Default `US`. */
  readonly defaultCountry?: CountryCode;
  /** Detectors not to run (the column's name says its values are not of that kind: a `version` is no IP address). */
  readonly exclude?: readonly DetectorId[];
}

const filtered = new Map<string, readonly ValueDetector[]>();
/** Per options object: a column's masker passes the same one for every cell. */
const byOptions = new WeakMap<ScanOptions, readonly ValueDetector[]>();

function detectorsFor(options: ScanOptions | undefined): readonly ValueDetector[] {
  if (options === undefined) return valueDetectors();
  let list = byOptions.get(options);
  if (list === undefined) {
    list = selectDetectors(options);
    byOptions.set(options, list);
  }
  return list;
}

function selectDetectors(options: ScanOptions | undefined): readonly ValueDetector[] {
  const all = valueDetectors(options?.defaultCountry);
  const exclude = options?.exclude;
  if (exclude === undefined || exclude.length === 0) return all;
  const key = `${options?.defaultCountry ?? 'US'}|${exclude.join(',')}`;
  let list = filtered.get(key);
  if (list === undefined) {
    list = all.filter((d) => !exclude.includes(d.id));
    filtered.set(key, list);
  }
  return list;
}

/** Shorter than the shortest thing any detector finds (`a@b.io`, `1.2.3.4` are 6-7 characters). */
const MIN_LENGTH = 6;

/** Overlapping matches: the detector earlier in priority order wins, then the longer match, then the earlier one. */
function resolve(spans: Span[], priority: ReadonlyMap<string, number>): Span[] {
  if (spans.length === 1) return spans;
  spans.sort(
    (a, b) =>
      (priority.get(a.detector) as number) - (priority.get(b.detector) as number) ||
      b.end - b.start - (a.end - a.start) ||
      a.start - b.start,
  );
  // Kept spans sorted by start, none overlapping: a candidate can only overlap its neighbours there
  // (found by binary search), so a cell with thousands of matches costs n log n, not n².
  const kept: Span[] = [];
  for (const s of spans) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((kept[mid] as Span).start < s.start) lo = mid + 1;
      else hi = mid;
    }
    const before = kept[lo - 1];
    const after = kept[lo];
    if ((before !== undefined && before.end > s.start) || (after !== undefined && after.start < s.end))
      continue;
    kept.splice(lo, 0, s);
  }
  return kept;
}

const priorities = new WeakMap<readonly ValueDetector[], ReadonlyMap<string, number>>();

function priorityOf(detectors: readonly ValueDetector[]): ReadonlyMap<string, number> {
  let p = priorities.get(detectors);
  if (p === undefined) {
    p = new Map(detectors.map((d, i) => [d.id, i]));
    priorities.set(detectors, p);
  }
  return p;
}

function collect(text: string, detectors: readonly ValueDetector[]): Span[] | null {
  if (text.length < MIN_LENGTH) return null;
  const features = textFeatures(text);
  let spans: Span[] | null = null;
  for (const d of detectors) {
    if (!d.prefilter(features, text)) continue;
    spans ??= [];
    d.findSpans(text, spans);
  }
  return spans === null || spans.length === 0 ? null : resolve(spans, priorityOf(detectors));
}

/**
 * Validated sensitive spans in a text, sorted, not overlapping. Every
 * detector runs; each rules itself out first by counts gathered in one pass.
 */
export function scanText(text: string, options?: ScanOptions): Span[] {
  return collect(text, detectorsFor(options)) ?? [];
}

/** Replaces a text's spans with their masks. */
export function applySpans(
  text: string,
  spans: readonly Span[],
  detectors: readonly ValueDetector[],
): string {
  let out = '';
  let last = 0;
  for (const s of spans) {
    const detector = detectors.find((d) => d.id === s.detector) as ValueDetector;
    out += text.slice(last, s.start) + detector.mask(text.slice(s.start, s.end));
    last = s.end;
  }
  return out + text.slice(last);
}

/**
 * False when scanning the text these UTF-8 bytes hold certainly finds
 * nothing (too short, or no detector's prefilter passes on the byte counts):
 * the engine then forwards the bytes as they are, with no string made.
 */
export function mayHaveSpans(src: Uint8Array, start: number, end: number, options?: ScanOptions): boolean {
  if (end - start < MIN_LENGTH) return false;
  return anyPrefilter(byteFeatures(src, start, end), detectorsFor(options));
}

function anyPrefilter(
  features: ReturnType<typeof byteFeatures>,
  detectors: readonly ValueDetector[],
): boolean {
  for (const d of detectors) if (d.prefilter(features, null)) return true;
  return false;
}

/**
 * The text with every validated span masked and everything else untouched.
 * Returns the very same string when nothing matched, so a caller can forward
 * the original bytes (`masked === value`).
 */
export function maskText(text: string, options?: ScanOptions): string {
  const detectors = detectorsFor(options);
  const spans = collect(text, detectors);
  return spans === null ? text : applySpans(text, spans, detectors);
}
