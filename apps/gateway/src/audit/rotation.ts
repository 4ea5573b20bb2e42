import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Rotated files sit beside the live file: `audit.jsonl` becomes
 * `audit-20260102T030405678Z-000000012345.jsonl`, where the number is the seq
 * of the last record in it. Names sort by seq, and `gatehouse audit verify`
 * orders files by their first record anyway.
 */
const SEQ_DIGITS = 12;

function parts(livePath: string): { dir: string; stem: string; ext: string } {
  const ext = extname(livePath);
  return { dir: dirname(livePath), stem: basename(livePath, ext), ext };
}

function compactTime(time: Date): string {
  return time.toISOString().replace(/[-:.]/g, '');
}

export function rotatedFileName(livePath: string, time: Date, lastSeq: number): string {
  const { stem, ext } = parts(livePath);
  return `${stem}-${compactTime(time)}-${String(lastSeq).padStart(SEQ_DIGITS, '0')}${ext}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface RotatedFile {
  readonly path: string;
  readonly name: string;
  /** Seq of the last record, from the name. */
  readonly lastSeq: number;
}

/** The rotated siblings of `livePath`, oldest (lowest seq) first. */
export async function listRotatedFiles(livePath: string): Promise<RotatedFile[]> {
  const { dir, stem, ext } = parts(livePath);
  const pattern = new RegExp(
    `^${escapeRegExp(stem)}-\\d{8}T\\d{9}Z-(\\d{${SEQ_DIGITS},})${escapeRegExp(ext)}$`,
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found: RotatedFile[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m?.[1]) found.push({ path: join(dir, name), name, lastSeq: Number(m[1]) });
  }
  return found.sort((a, b) => a.lastSeq - b.lastSeq);
}
