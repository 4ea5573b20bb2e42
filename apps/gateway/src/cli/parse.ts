import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './cli-io';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean }>>;

/**
 * util.parseArgs in strict mode; on a usage error prints it with the command's
 * usage and returns null (the caller exits 2).
 */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O, usage: string, io: CliIo, positionals = false): Parsed<O> | null {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: positionals });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${usage}`);
    return null;
  }
}
