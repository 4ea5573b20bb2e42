import { GatewayError, GatewayErrorCode } from '@gatehouse/sql-core';
import { readFileSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';

/**
 * One writer per chain: two processes appending to the same file would fork
 * it. The lock is a file created with O_EXCL beside the audit file, holding
 * the owner's pid and process start time (Linux /proc), so a lock left by a
 * killed process is taken over, even when a container restart gives the new
 * process the same pid, and a reused pid is not mistaken for the owner.
 */
const heldHere = new Set<string>();

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Start time of a process in clock ticks since boot, or null where /proc is not there. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerLine(): string {
  return `${process.pid} ${processStartTime(process.pid) ?? '-'}\n`;
}

/** Whether the process named in a lock file still holds it. */
function heldBy(content: string, lockPath: string): number | null {
  const [pidText, start] = content.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  if (pid === process.pid) return heldHere.has(lockPath) ? pid : null;
  if (!isAlive(pid)) return null;
  if (start && start !== '-') {
    const now = processStartTime(pid);
    if (now !== null && now !== start) return null;
  }
  return pid;
}

export async function acquireFileLock(lockPath: string): Promise<FileLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, ownerLine(), { flag: 'wx', mode: 0o600 });
      heldHere.add(lockPath);
      return { path: lockPath, release: () => release(lockPath) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const content = await readFile(lockPath, 'utf8').catch(() => '');
    const owner = heldBy(content, lockPath);
    if (owner !== null) {
      throw new GatewayError(
        GatewayErrorCode.auditUnavailable,
        `audit file is in use by process ${owner} (lock ${lockPath}): each gateway process needs its own audit file`,
      );
    }
    // Stale: its owner is gone. Remove it and try once more (another taker may win the race).
    await unlink(lockPath).catch(() => undefined);
  }
  throw new GatewayError(GatewayErrorCode.auditUnavailable, `could not take the audit file lock ${lockPath}`);
}

async function release(lockPath: string): Promise<void> {
  if (!heldHere.delete(lockPath)) return;
  const content = await readFile(lockPath, 'utf8').catch(() => '');
  if (content === ownerLine()) await unlink(lockPath).catch(() => undefined);
}
