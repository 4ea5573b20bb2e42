import type { StatementOutcomeEvent } from '@gatehouse/sql-core';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

/** Helpers for the audit file tests: temp dirs that are always removed, events, file reads. */
export function tempDirs(): { make: () => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-'));
      made.push(dir);
      return dir;
    },
    cleanup: () => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const silent: Logger = pino({ level: 'silent' });

/** A logger whose records land in an array, to check what the sink said. */
export function capturingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

export function outcome(i: number, sessionId = 'ses_test'): StatementOutcomeEvent {
  return {
    type: 'statement.outcome',
    time: new Date(Date.UTC(2026, 0, 2) + i).toISOString(),
    session_id: sessionId,
    statement_seq: i,
    subject: 'alice@example.com',
    target: 'prod',
    status: 'ok',
    rows_returned: i,
    rows_affected: null,
    sqlstate: null,
    duration_ms: 0.25,
    masked: [],
  };
}

export function records(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The audit files in a directory (no lock files), full paths. */
export function auditFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .map((n) => join(dir, n));
}

/** The descriptors this process holds open on `path` (to break them from outside the sink). */
export function openDescriptors(path: string): number[] {
  const fds: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === path) fds.push(Number(name));
    } catch {
      // Closed between readdir and readlink.
    }
  }
  return fds;
}

/** Polls until `check` holds (for background work such as the interval fsync); fails after `ms`. */
export async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
