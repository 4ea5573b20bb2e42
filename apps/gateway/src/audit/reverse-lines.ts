import { closeFd, fdReader, fstatFd, openFd } from './file-io';

const NEWLINE = 0x0a;
/** No record comes near this; a longer line ends the scan of that file. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Bytes a scan may still read, shared by every file of one query. */
export interface ScanBudget {
  bytes: number;
  exhausted: boolean;
}

/**
 * The complete lines of a file, last first, read backwards in chunks. Bytes
 * after the last newline (a line being written right now, or torn) are
 * skipped. Stops when the budget runs out (and marks it exhausted).
 */
export async function* linesBackwards(
  path: string,
  budget: ScanBudget,
  chunkBytes = 256 * 1024,
): AsyncGenerator<string> {
  let fd: number;
  try {
    fd = await openFd(path, 'r');
  } catch (err) {
    // Rotated away or removed between listing and reading: nothing to scan.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const read = fdReader(fd);
    let position = (await fstatFd(fd)).size;
    let carry: Buffer = Buffer.alloc(0);
    let tailSkipped = false;
    while (position > 0) {
      if (budget.bytes <= 0) {
        budget.exhausted = true;
        return;
      }
      const n = Math.min(chunkBytes, position);
      position -= n;
      const chunk = await read(position, n);
      budget.bytes -= chunk.length;
      const data = carry.length === 0 ? chunk : Buffer.concat([chunk, carry]);
      let end = data.length;
      if (!tailSkipped) {
        const last = data.lastIndexOf(NEWLINE);
        if (last === -1) {
          carry = data;
          continue;
        }
        end = last;
        tailSkipped = true;
      }
      let nl = end > 0 ? data.lastIndexOf(NEWLINE, end - 1) : -1;
      while (nl !== -1) {
        if (end - nl > 1) yield data.toString('utf8', nl + 1, end);
        end = nl;
        nl = end > 0 ? data.lastIndexOf(NEWLINE, end - 1) : -1;
      }
      carry = Buffer.from(data.subarray(0, end));
      if (carry.length > MAX_LINE_BYTES) return;
    }
    if (tailSkipped && carry.length > 0) yield carry.toString('utf8');
  } finally {
    await closeFd(fd).catch(() => undefined);
  }
}
