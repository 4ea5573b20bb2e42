import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

/** Test helpers shared by unit and integration tests; excluded from the build. */

/** A fresh temp directory; remove it with the returned cleanup. */
export function tempDir(prefix = 'gatehouse-test-'): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that records lines in memory so tests can assert what was (not) logged. */
export function memoryLogger(): { readonly logger: Logger; readonly lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

export const silentLogger: Logger = pino({ level: 'silent' });
