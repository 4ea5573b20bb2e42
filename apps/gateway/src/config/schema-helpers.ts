import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Small zod building blocks whose messages say what to write. The formatter
 * (format-issues.ts) prefixes the key path and appends `, got <value>` unless
 * the key may hold a secret.
 */

type Issue = { readonly code?: string; readonly input?: unknown };

/** `expected <what>`, or `missing: write <what>` when the key is absent. */
export function expecting(what: string): (issue: Issue) => string {
  return (issue) => (issue.input === undefined ? `required: expected ${what}` : `expected ${what}`);
}

/** An object that refuses unknown keys and lists the ones it knows. */
export function section<Shape extends z.ZodRawShape>(shape: Shape, what = 'a mapping of keys') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        if (issue.keys.includes('password')) {
          return `unknown key "password": passwords never go in the config; write password_env: NAME and export NAME`;
        }
        if (issue.keys.includes('headers')) {
          return `unknown key "headers": header values may be secrets and never go in the config; write headers_env: { Header-Name: ENV_VAR }`;
        }
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}; expected one of: ${known}`;
      }
      return expecting(what)(issue);
    },
  });
}

export const nonEmptyString = (what: string) =>
  z.string({ error: expecting(what) }).trim().min(1, { error: expecting(what) }).max(1024, { error: `expected ${what} of at most 1024 characters` });

export const port = () =>
  z
    .number({ error: expecting('a port number 1-65535') })
    .int({ error: expecting('a port number 1-65535') })
    .min(1, { error: expecting('a port number 1-65535') })
    .max(65535, { error: expecting('a port number 1-65535') });

export const host = () => nonEmptyString('a host name or IP address');

export const booleanFlag = () => z.boolean({ error: expecting('true or false') });

/** A group, target or identity name: no whitespace, no commas (they separate lists on the CLI). */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
export const name = (what: string) =>
  nonEmptyString(what).regex(NAME_PATTERN, {
    error: `expected ${what}: letters, digits and . _ : @ - (starting with a letter or digit)`,
  });

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The name of an environment variable. Never the secret: keys ending in _env are never echoed in errors. */
export const envName = () =>
  z
    .string({ error: expecting('the name of an environment variable (letters, digits, _)') })
    .regex(ENV_NAME_PATTERN, {
      error: 'expected the name of an environment variable (letters, digits, _), not the secret itself',
    });

/** Lets a key take a single string as shorthand for a one-element list; errors then point at the element. */
export const stringOrList = <T extends z.ZodType>(item: T, what: string) =>
  z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(item, { error: expecting(`${what}, a string or a list`) }));

/** A list of names; a single string is accepted as a one-element list. */
export const nameList = (what: string) =>
  stringOrList(name(`a ${what}`), `a list of ${what}s`).transform((list) => [...new Set(list)]);

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `500ms`, `30s`, `15m`, `1h`, `2d` to milliseconds; null if not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * DURATION_UNIT_MS[m[2] as keyof typeof DURATION_UNIT_MS];
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A duration string bounded to [minMs, maxMs]; output in milliseconds. */
export const duration = (minMs: number, maxMs: number) => {
  const what = `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} such as 30s, 15m or 1h`;
  return z.unknown().transform((value, ctx) => {
    const ms = typeof value === 'string' ? parseDuration(value) : null;
    if (ms === null || ms < minMs || ms > maxMs) {
      ctx.issues.push({ code: 'custom', message: expecting(what)({ input: value }), input: value });
      return z.NEVER;
    }
    return ms;
  });
};

const SIZE = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i;
const SIZE_UNIT = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 } as const;

export function parseSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const m = SIZE.exec(value.trim());
  if (!m) return null;
  const unit = (m[2] ?? 'b').toLowerCase() as keyof typeof SIZE_UNIT;
  return Number(m[1]) * SIZE_UNIT[unit];
}

/** A byte size (`64MiB`, `512KiB`, or a number of bytes) bounded to [min, max]. */
export const byteSize = (min: number, max: number, example: string) => {
  const what = `a size from ${min} bytes to ${max / 1024 ** 3}GiB such as ${example}`;
  return z.unknown().transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === null || bytes < min || bytes > max) {
      ctx.issues.push({ code: 'custom', message: expecting(what)({ input: value }), input: value });
      return z.NEVER;
    }
    return bytes;
  });
};

/** A file or directory path; relative paths resolve against the config file's directory. */
export const path = (baseDir: string, what: string) =>
  nonEmptyString(what).transform((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
