import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import {
  hasStatementFilter,
  intentMatchesStatementFilters,
  matchesRecordFilters,
  type AuditQuery,
  type AuditQueryResult,
} from './audit-query';
import { linesBackwards, type ScanBudget } from './reverse-lines';

/** One hash chain on disk: the live file of a process and its rotated files, newest first. */
export interface AuditChainFiles {
  /** The file stem: `audit` (single process), `audit.w1`, `audit.w2`... (cluster workers). */
  readonly stem: string;
  readonly files: readonly string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every chain written beside `auditFile` (the configured audit.file): the
 * single-process file, each worker's, and their rotated files, including
 * chains of workers that no longer run.
 */
export async function findAuditChains(auditFile: string): Promise<AuditChainFiles[]> {
  const dir = dirname(auditFile);
  const ext = extname(auditFile) || '.jsonl';
  const stem = basename(auditFile, extname(auditFile));
  const live = new RegExp(`^(${escapeRegExp(stem)}(?:\\.w\\d+)?)${escapeRegExp(ext)}$`);
  const rotated = new RegExp(
    `^(${escapeRegExp(stem)}(?:\\.w\\d+)?)-\\d{8}T\\d{9}Z-(\\d{12,})${escapeRegExp(ext)}$`,
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const chains = new Map<string, { live: string | null; rotated: { path: string; lastSeq: number }[] }>();
  const chainOf = (s: string) => {
    let c = chains.get(s);
    if (!c) chains.set(s, (c = { live: null, rotated: [] }));
    return c;
  };
  for (const name of names) {
    const l = live.exec(name);
    if (l?.[1]) {
      chainOf(l[1]).live = join(dir, name);
      continue;
    }
    const r = rotated.exec(name);
    if (r?.[1] && r[2]) chainOf(r[1]).rotated.push({ path: join(dir, name), lastSeq: Number(r[2]) });
  }
  return [...chains.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, c]) => ({
      stem: s,
      files: [
        ...(c.live ? [c.live] : []),
        ...c.rotated.sort((a, b) => b.lastSeq - a.lastSeq).map((f) => f.path),
      ],
    }));
}

/** Canonical lines start `{"seq":N,"prev":"<hex>","type":"...","time":"...`: the time without parsing the line. */
const TIME = /"time":"([^"]{1,40})"/;

/**
 * Records written before `from` minus this margin end a chain's scan: times
 * are taken as events happen and written in that order, so within a chain
 * they are ordered up to a few milliseconds.
 */
const ORDER_SLACK_MS = 5000;

/** Outcomes held while looking for their intent (statement filters); beyond this the oldest are forgotten. */
const MAX_PENDING_OUTCOMES = 10_000;

type AuditRecord = Record<string, unknown>;

/** The matching records of one chain, newest first. */
async function* chainMatches(
  chain: AuditChainFiles,
  chainName: string,
  q: AuditQuery,
  budget: ScanBudget,
): AsyncGenerator<AuditRecord> {
  const statementFilters = hasStatementFilter(q);
  const fromMs = q.from !== undefined ? Date.parse(q.from) : null;
  const toMs = q.to !== undefined ? Date.parse(q.to) : null;
  // Cheap checks on the raw line before JSON.parse: the value must appear, quoted, after its key.
  const needles = (
    [
      ['subject', q.subject],
      ['target', q.target],
      ['session_id', q.session],
      ['type', q.type],
    ] as const
  ).flatMap(([key, value]) => (value === undefined ? [] : [`"${key}":${JSON.stringify(value)}`]));
  const pending = new Map<string, AuditRecord>();
  for (const file of chain.files) {
    for await (const line of linesBackwards(file, budget)) {
      const time = TIME.exec(line.slice(0, 256))?.[1];
      const ms = time === undefined ? NaN : Date.parse(time);
      if (fromMs !== null && ms < fromMs - ORDER_SLACK_MS) return;
      if (toMs !== null && ms > toMs) continue;
      if (!needles.every((n) => line.includes(n))) continue;
      let record: AuditRecord;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
        record = value as AuditRecord;
      } catch {
        continue; // a torn line, recovered later in the chain
      }
      if (!matchesRecordFilters(record, q)) continue;
      const out = { chain: chainName, ...record };
      if (!statementFilters) {
        yield out;
        continue;
      }
      const key = `${String(record.session_id)}/${String(record.statement_seq)}`;
      if (record.type === 'statement.outcome') {
        if (pending.size >= MAX_PENDING_OUTCOMES) pending.delete(pending.keys().next().value as string);
        pending.set(key, out);
      } else if (intentMatchesStatementFilters(record, q)) {
        const outcome = pending.get(key);
        if (outcome) {
          pending.delete(key);
          yield outcome;
        }
        yield out;
      }
    }
  }
}

function timeOf(r: AuditRecord): number {
  return typeof r.time === 'string' ? Date.parse(r.time) : 0;
}

export interface FileQueryOptions {
  /** Bytes a query may read across all files before it answers with what it found. */
  readonly maxScanBytes?: number;
  /** Chain names are `<host>:<stem>`, as in the PostgreSQL copy. */
  readonly host?: string;
}

/**
 * GET /v1/audit from the files: every chain read backwards at once and
 * merged newest first, until `limit` records matched or the scan budget
 * (default 256 MiB) ran out. Safe while the gateway writes: a line being
 * written is skipped.
 */
export async function queryAuditFiles(
  auditFile: string,
  q: AuditQuery,
  options: FileQueryOptions = {},
): Promise<AuditQueryResult> {
  const host = options.host ?? hostname();
  const budget: ScanBudget = { bytes: options.maxScanBytes ?? 256 * 1024 * 1024, exhausted: false };
  const chains = await findAuditChains(auditFile);
  const streams = chains.map((c) => chainMatches(c, `${host}:${c.stem}`, q, budget));
  const heads: (AuditRecord | null)[] = await Promise.all(
    streams.map(async (s) => (await s.next()).value ?? null),
  );
  const records: AuditRecord[] = [];
  let truncated = false;
  try {
    for (;;) {
      let pick = -1;
      heads.forEach((h, i) => {
        if (h !== null && (pick === -1 || timeOf(h) > timeOf(heads[pick] as AuditRecord))) pick = i;
      });
      if (pick === -1) break;
      if (records.length === q.limit) {
        truncated = true;
        break;
      }
      records.push(heads[pick] as AuditRecord);
      heads[pick] = (await (streams[pick] as AsyncGenerator<AuditRecord>).next()).value ?? null;
    }
  } finally {
    await Promise.all(streams.map((s) => s.return(undefined)));
  }
  // An outcome found with its intent comes out beside it; put it back in time order.
  records.sort((a, b) => timeOf(b) - timeOf(a));
  return { source: 'files', records, truncated: truncated || budget.exhausted };
}
