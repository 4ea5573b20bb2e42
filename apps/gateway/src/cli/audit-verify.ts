import { parseExpectedHead, type ExpectedHead } from '@gatehouse/sql-core';
import { AuditFileError, verifyAuditFiles, type FilesVerification } from '../audit/verify-files';

export interface CommandIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

/** Exit codes: 0 intact, 1 broken (or the expected head missing), 2 usage or unreadable file. */
export const AuditVerifyExit = { intact: 0, broken: 1, usage: 2 } as const;

const USAGE = `usage: gatehouse audit verify [--expect-head [SEQ:]HASH] [--allow-partial] [--json] FILE...

Verifies that audit files form one intact hash chain. Rotated files may be
given in any order; they are checked in order of their first record.

  --expect-head [SEQ:]HASH  also require this record (a head printed by an
                            earlier verify, or kept elsewhere) to be in the
                            chain: detects records cut from the end
  --allow-partial           accept a chain that does not start at seq 1
                            (earlier files archived away)
  --json                    print the result as JSON
`;

interface Args {
  readonly files: string[];
  readonly expectHead?: ExpectedHead;
  readonly allowPartial: boolean;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): Args | string {
  const files: string[] = [];
  let expectHead: ExpectedHead | undefined;
  let allowPartial = false;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--expect-head' || arg.startsWith('--expect-head=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      const parsed = value === undefined ? null : parseExpectedHead(value);
      if (parsed === null)
        return '--expect-head needs a SHA-256 in hex (64 characters), optionally preceded by SEQ:';
      expectHead = parsed;
    } else if (arg === '--allow-partial') allowPartial = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-') && arg !== '-') return `unknown option ${arg}`;
    else files.push(arg);
  }
  if (files.length === 0) return 'name at least one audit file';
  return expectHead ? { files, expectHead, allowPartial, json } : { files, allowPartial, json };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function describe(result: FilesVerification): string[] {
  const out: string[] = [];
  const b = result.break;
  if (b !== null) {
    const seq = b.seq === null ? '' : ` (seq ${b.seq})`;
    out.push(`audit chain BROKEN: ${b.kind} at ${b.file} line ${b.line}${seq}`);
    out.push(`  ${b.reason}`);
    const last = result.head;
    out.push(
      last === null
        ? '  no record verified before the break'
        : `  verified before the break: ${plural(result.records, 'record')}, last good seq ${last.seq} (${last.file}:${last.line})`,
    );
    return out;
  }
  const head = result.head;
  if (head === null) {
    out.push(`audit chain intact: no records in ${plural(result.files, 'file')}`);
    return out;
  }
  const first = result.first?.seq ?? 1;
  out.push(
    `audit chain intact: ${plural(result.records, 'record')} in ${plural(result.files, 'file')}, seq ${first}..${head.seq}`,
  );
  out.push(`head: seq ${head.seq} sha256 ${head.hash} (${head.file}:${head.line})`);
  if (!result.startsAtGenesis)
    out.push(`note: the chain starts at seq ${first}; records before it were not verified`);
  if (result.expectedHeadSeq !== null) out.push(`expected head found at seq ${result.expectedHeadSeq}`);
  for (const r of result.recovered) {
    out.push(
      `note: ${r.file}:${r.line}: ${plural(r.lines, 'torn line')} (${plural(r.bytes, 'byte')}) left by an interrupted write, ` +
        'kept out of the chain and vouched for by the chain.recovered record after it',
    );
  }
  out.push(`anchor this head to detect a later cut: --expect-head ${head.seq}:${head.hash}`);
  return out;
}

/** `gatehouse audit verify ...`: `args` are the words after `verify`. Resolves to the exit code. */
export async function auditVerifyCommand(args: string[], io: CommandIo): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout(USAGE);
    return AuditVerifyExit.intact;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr(`gatehouse audit verify: ${parsed}\n\n${USAGE}`);
    return AuditVerifyExit.usage;
  }
  let result: FilesVerification;
  try {
    result = await verifyAuditFiles(parsed.files, {
      allowPartial: parsed.allowPartial,
      ...(parsed.expectHead ? { expectHead: parsed.expectHead } : {}),
    });
  } catch (err) {
    if (!(err instanceof AuditFileError)) throw err;
    io.stderr(`gatehouse audit verify: ${err.message}\n`);
    return AuditVerifyExit.usage;
  }
  if (parsed.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout(`${describe(result).join('\n')}\n`);
  return result.ok ? AuditVerifyExit.intact : AuditVerifyExit.broken;
}
