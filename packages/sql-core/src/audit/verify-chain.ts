import { peekSeq } from './audit-record';
import { ChainVerifier, type ChainVerification, type VerifyOptions } from './chain-verifier';

/** One file's worth of records, named for messages. */
export interface ChainSource {
  readonly name: string;
  readonly data: string | Uint8Array;
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Newline-terminated lines (without the newline) and whatever follows the last newline. */
export function splitLines(data: string | Uint8Array): { lines: Uint8Array[]; rest: Uint8Array | null } {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, start)) {
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return { lines, rest: start < bytes.length ? bytes.subarray(start) : null };
}

/** The seq of the first line in `lines` that looks like a record; null when none does. */
export function firstSeq(lines: Iterable<Uint8Array>): number | null {
  for (const line of lines) {
    const seq = peekSeq(decoder.decode(line));
    if (seq !== null) return seq;
  }
  return null;
}

/**
 * Orders files by the seq of their first record, so rotated files may be
 * given in any order. Files with no record go last, in the order given. The
 * sort is stable: two files starting at the same seq stay as given, and the
 * verifier then reports the repeat.
 */
export function chainOrder<T>(items: readonly T[], seqOf: (item: T) => number | null): T[] {
  return items
    .map((item, index) => ({ item, index, seq: seqOf(item) }))
    .sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || a.index - b.index)
    .map((x) => x.item);
}

/**
 * Verifies one chain held in memory: a single file's contents, or several
 * files (any order: they are sorted by first seq). Pure.
 */
export function verifyChain(
  input: string | Uint8Array | readonly ChainSource[],
  options: VerifyOptions = {},
): ChainVerification {
  const sources: readonly ChainSource[] =
    typeof input === 'string' || input instanceof Uint8Array ? [{ name: '<input>', data: input }] : input;
  const split = sources.map((s) => ({ name: s.name, ...splitLines(s.data) }));
  const verifier = new ChainVerifier(options);
  for (const file of chainOrder(split, (f) => firstSeq(f.lines))) {
    verifier.beginFile(file.name);
    for (const line of file.lines) {
      if (!verifier.wantsMore) break;
      verifier.line(line);
    }
    verifier.endFile(file.rest);
  }
  return verifier.finish();
}
