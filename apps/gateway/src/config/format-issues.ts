import type { z } from 'zod';

/** `targets[0].upstream.port` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * Keys whose values may be secrets pasted by mistake (a raw token in `sha256`,
 * a password in `password_env`): their values are never echoed into errors,
 * which end up in terminals and CI logs.
 */
const SENSITIVE_KEY = /(password|secret|token|sha256|_env)$/i;

function isSensitive(path: readonly PropertyKey[]): boolean {
  return path.some((p) => typeof p === 'string' && SENSITIVE_KEY.test(p));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

/** One line per issue: `<key path>: <what to write instead>[, got <value>]`. */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  let message = issue.message;
  const input = (issue as { input?: unknown }).input;
  const echo = issue.code !== 'unrecognized_keys' && input !== undefined && !isSensitive(issue.path);
  if (echo && !message.startsWith('required')) message += `, got ${describe(input)}`;
  return `${where}: ${message}`;
}
