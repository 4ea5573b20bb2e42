import { createHash } from 'node:crypto';
import { GENESIS_HASH, hashLine, parseRecordLine, peekSeq } from './audit-record';

/** Why a chain is not intact. */
export const ChainBreakKind = {
  /** A record's bytes changed: its hash no longer matches the next record's `prev`, or it is not canonical. */
  edited: 'edited',
  /** Records are missing: `seq` skips, or the chain does not start at seq 1. */
  removed: 'removed',
  /** Records are out of order: `seq` goes back or repeats, or a skipped seq turns up later. */
  reordered: 'reordered',
  /** The chain ends early: a partial last line, or it stops before the expected head. */
  truncated: 'truncated',
  /** A line that is not a record at all, with no `chain.recovered` vouching for it. */
  malformed: 'malformed',
} as const;
export type ChainBreakKind = (typeof ChainBreakKind)[keyof typeof ChainBreakKind];

export interface RecordLocation {
  readonly file: string;
  /** 1-based line number within the file. */
  readonly line: number;
  /** The record's seq, when the line has one. */
  readonly seq: number | null;
}

/** The first place the chain is broken. */
export interface ChainBreak extends RecordLocation {
  readonly kind: ChainBreakKind;
  /** One sentence naming what is wrong, for people. */
  readonly reason: string;
}

/** Bytes a crash left behind, kept out of the chain and vouched for by a `chain.recovered` record. */
export interface RecoveredRegion {
  readonly file: string;
  readonly line: number;
  readonly lines: number;
  readonly bytes: number;
}

export interface VerifiedHead {
  readonly seq: number;
  readonly hash: string;
  readonly file: string;
  readonly line: number;
}

export interface ChainVerification {
  readonly ok: boolean;
  /** Records verified in chain order (up to the break, if any). */
  readonly records: number;
  readonly files: number;
  /** seq and prev of the first record given; null for an empty chain. */
  readonly first: { readonly seq: number; readonly prev: string } | null;
  /** The last verified record: anchor it (`--expect-head SEQ:HASH`) to detect a later cut. */
  readonly head: VerifiedHead | null;
  readonly startsAtGenesis: boolean;
  readonly recovered: readonly RecoveredRegion[];
  /** Where the expected head was found, when one was given and found. */
  readonly expectedHeadSeq: number | null;
  readonly break: ChainBreak | null;
}

export interface ExpectedHead {
  readonly seq: number | null;
  readonly hash: string;
}

export interface VerifyOptions {
  /** The hash (or `SEQ:HASH`) of a record known to have been written: it must be in the chain. */
  readonly expectHead?: ExpectedHead;
  /** Accept a chain whose first record is not seq 1 (earlier files archived away). */
  readonly allowPartial?: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses `HASH` or `SEQ:HASH`; null when it is neither. */
export function parseExpectedHead(text: string): ExpectedHead | null {
  const m = /^(?:(\d+):)?([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m || !m[2]) return null;
  const seq = m[1] === undefined ? null : Number(m[1]);
  if (seq !== null && (!Number.isSafeInteger(seq) || seq < 1)) return null;
  return { seq, hash: m[2].toLowerCase() };
}

type Line = string | Uint8Array;

interface PendingLine {
  readonly line: number;
  readonly bytes: Uint8Array;
  readonly kind: 'edited' | 'malformed';
  readonly error: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function where(file: string, line: number): string {
  return `${file}:${line}`;
}

/**
 * Verifies a chain fed line by line, in chain order, file by file. Pure: the
 * caller reads the bytes. Feed `beginFile`, then `line` for every
 * newline-terminated line (without the newline), then `endFile` with any bytes
 * after the last newline; `finish` gives the verdict. Stop feeding once
 * `wantsMore` turns false.
 */
export class ChainVerifier {
  readonly #options: VerifyOptions;
  #file = '';
  #lineNo = 0;
  #files = 0;
  #records = 0;
  #first: { seq: number; prev: string } | null = null;
  #last: VerifiedHead | null = null;
  #beforeLast: VerifiedHead | null = null;
  #pending: PendingLine[] = [];
  #recovered: RecoveredRegion[] = [];
  #expectedAt: number | null = null;
  #expectedSeqLocation: RecordLocation | null = null;
  #break: ChainBreak | null = null;
  /** After a seq gap, the later lines are scanned for the missing seqs to tell `removed` from `reordered`. */
  #gap: { from: number; to: number; at: ChainBreak; after: VerifiedHead } | null = null;

  constructor(options: VerifyOptions = {}) {
    this.#options = options;
  }

  get wantsMore(): boolean {
    return this.#break === null || this.#gap !== null;
  }

  beginFile(name: string): void {
    this.#file = name;
    this.#lineNo = 0;
    this.#files += 1;
  }

  line(data: Line): void {
    this.#lineNo += 1;
    if (!this.wantsMore) return;
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    let text: string;
    try {
      text = typeof data === 'string' ? data : utf8.decode(data);
    } catch {
      this.#invalid({ line: this.#lineNo, bytes, kind: 'malformed', error: 'it is not valid UTF-8' });
      return;
    }
    if (this.#break !== null) {
      this.#classifyGap(text);
      return;
    }
    const parsed = parseRecordLine(text);
    if (!parsed.ok) {
      this.#invalid({ line: this.#lineNo, bytes, kind: parsed.kind, error: parsed.error });
      return;
    }
    const { record } = parsed;
    if (this.#pending.length > 0) {
      if (!this.#vouches(record.type, record.fields)) {
        this.#breakAtPending();
        return;
      }
      const firstPending = this.#pending[0] as PendingLine;
      this.#recovered.push({
        file: this.#file,
        line: firstPending.line,
        lines: this.#pending.length,
        bytes: this.#pendingBytes(),
      });
      this.#pending = [];
    }
    this.#link(record.seq, record.prev, hashLine(bytes));
  }

  /** End of the current file; `rest` is what followed its last newline (a torn final line). */
  endFile(rest: Line | null = null): void {
    if (!this.wantsMore) return;
    const tail = rest === null ? 0 : typeof rest === 'string' ? encoder.encode(rest).length : rest.length;
    if (this.#break !== null) return;
    if (tail > 0) {
      const startLine = this.#pending[0]?.line ?? this.#lineNo + 1;
      const bytes = this.#pendingBytes() + tail;
      this.#setBreak({
        kind: 'truncated',
        file: this.#file,
        line: startLine,
        seq: null,
        reason:
          `the file ends with ${bytes} bytes that are not a complete record (no final newline): ` +
          'the writer was interrupted mid-record, or the file was cut',
      });
      return;
    }
    if (this.#pending.length > 0) this.#breakAtPending();
  }

  finish(): ChainVerification {
    if (this.#break === null && this.#pending.length > 0) this.#breakAtPending();
    if (this.#gap !== null) this.#gap = null;
    if (this.#break === null && this.#options.expectHead && this.#expectedAt === null) this.#missingHead();
    const b = this.#break;
    return {
      ok: b === null,
      records: this.#records,
      files: this.#files,
      first: this.#first,
      head: this.#last,
      startsAtGenesis: this.#first?.seq === 1,
      recovered: this.#recovered,
      expectedHeadSeq: this.#expectedAt,
      break: b,
    };
  }

  #invalid(p: PendingLine): void {
    if (this.#break !== null) return;
    this.#pending.push(p);
  }

  #pendingBytes(): number {
    // Each pending line is counted with the newline that terminates it.
    return this.#pending.reduce((n, p) => n + p.bytes.length + 1, 0);
  }

  /** A `chain.recovered` record vouches for the pending lines when it names their exact length and hash. */
  #vouches(type: string, fields: Record<string, unknown>): boolean {
    if (type !== 'chain.recovered') return false;
    const hash = createHash('sha256');
    for (const p of this.#pending) hash.update(p.bytes).update('\n');
    return fields.torn_bytes === this.#pendingBytes() && fields.torn_sha256 === hash.digest('hex');
  }

  #breakAtPending(): void {
    const p = this.#pending[0] as PendingLine;
    this.#setBreak({
      kind: p.kind,
      file: this.#file,
      line: p.line,
      seq: null,
      reason: `line ${p.line} is not a valid record: ${p.error}`,
    });
  }

  #link(seq: number, prev: string, hash: string): void {
    const file = this.#file;
    const line = this.#lineNo;
    const last = this.#last;
    if (last === null) {
      this.#first = { seq, prev };
      if (seq === 1 && prev !== GENESIS_HASH) {
        this.#setBreak({
          kind: 'edited',
          file,
          line,
          seq,
          reason: 'the first record of the chain does not carry the genesis prev',
        });
        return;
      }
      if (seq !== 1 && !this.#options.allowPartial) {
        this.#setBreak({
          kind: 'removed',
          file,
          line,
          seq,
          reason:
            `the chain starts at seq ${seq}, not 1: records 1..${seq - 1} are missing ` +
            '(give the earlier rotated files too, or --allow-partial to verify from here)',
        });
        return;
      }
    } else if (seq === last.seq + 1) {
      if (prev !== last.hash) {
        // The previous record is the one in doubt: it no longer counts as verified.
        this.#last = this.#beforeLast;
        this.#records -= 1;
        this.#setBreak({
          kind: 'edited',
          file: last.file,
          line: last.line,
          seq: last.seq,
          reason:
            `record seq ${last.seq} was changed after it was written: its SHA-256 does not match ` +
            `the prev of seq ${seq} (${where(file, line)})`,
        });
        return;
      }
    } else if (seq > last.seq + 1) {
      const at: ChainBreak = {
        kind: 'removed',
        file,
        line,
        seq,
        reason:
          `seq jumps from ${last.seq} (${where(last.file, last.line)}) to ${seq}: ` +
          (seq === last.seq + 2
            ? `record ${last.seq + 1} is missing`
            : `records ${last.seq + 1}..${seq - 1} are missing`),
      };
      this.#setBreak(at);
      this.#gap = { from: last.seq + 1, to: seq - 1, at, after: last };
      return;
    } else {
      this.#setBreak({
        kind: 'reordered',
        file,
        line,
        seq,
        reason:
          seq === last.seq
            ? `seq ${seq} appears twice (${where(last.file, last.line)} and here)`
            : `seq ${seq} comes after seq ${last.seq} (${where(last.file, last.line)}): records are out of order`,
      });
      return;
    }
    this.#beforeLast = this.#last;
    this.#last = { seq, hash, file, line };
    this.#records += 1;
    const expect = this.#options.expectHead;
    if (expect) {
      if (expect.seq === seq) this.#expectedSeqLocation = { file, line, seq };
      if (hash === expect.hash && (expect.seq === null || expect.seq === seq)) this.#expectedAt = seq;
    }
  }

  #classifyGap(text: string): void {
    const gap = this.#gap;
    if (gap === null) return;
    const seq = peekSeq(text);
    if (seq === null || seq < gap.from || seq > gap.to) return;
    this.#break = {
      ...gap.at,
      kind: 'reordered',
      reason:
        `seq jumps from ${gap.after.seq} (${where(gap.after.file, gap.after.line)}) to ${gap.at.seq}, ` +
        `and seq ${seq} turns up later (${where(this.#file, this.#lineNo)}): records are out of order`,
    };
    this.#gap = null;
  }

  #missingHead(): void {
    const expect = this.#options.expectHead as ExpectedHead;
    const last = this.#last;
    const short = expect.hash.slice(0, 16);
    if (
      expect.seq !== null &&
      last !== null &&
      expect.seq <= last.seq &&
      this.#expectedSeqLocation !== null
    ) {
      this.#setBreak({
        kind: 'edited',
        ...this.#expectedSeqLocation,
        reason: `record seq ${expect.seq} does not have the expected hash ${short}…: it was changed after it was written`,
      });
      return;
    }
    const first = this.#first;
    if (expect.seq !== null && first !== null && expect.seq < first.seq) {
      this.#setBreak({
        kind: 'removed',
        file: last?.file ?? this.#file,
        line: 0,
        seq: null,
        reason: `the expected head seq ${expect.seq} is before the first record given (seq ${first.seq}): give the earlier files too`,
      });
      return;
    }
    const endsAt = last === null ? 'the chain is empty' : `the chain ends at seq ${last.seq}`;
    this.#setBreak({
      kind: 'truncated',
      file: last?.file ?? this.#file,
      line: last?.line ?? 0,
      seq: last?.seq ?? null,
      reason:
        expect.seq !== null
          ? `${endsAt}, before the expected head seq ${expect.seq}: records after it were removed`
          : `${endsAt} and the expected head ${short}… is not in it: records were removed from the end, or the last one changed`,
    });
  }

  #setBreak(b: ChainBreak): void {
    if (this.#break === null) this.#break = b;
  }
}

export function isSha256Hex(text: string): boolean {
  return HEX64.test(text);
}
