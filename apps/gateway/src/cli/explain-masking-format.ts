import type { ExplainedColumn, ExplainedMasking, ExplainedResult } from '../explain';

const STATUS_WORDS: Readonly<Record<ExplainedMasking['status'], string>> = {
  evaluated: 'evaluated',
  unmasked: 'unmasked',
  'not-evaluated': 'not evaluated',
  denied: 'denied',
  unavailable: 'UNAVAILABLE',
};

/**
 * The masking part of the report as text:
 *
 * ```
 * masking:  evaluated: 1 of 2 result columns masked for alice
 *   statement 1: 2 columns, 1 masked
 *     email  text     public.users.email
 *            masked: email   jane.doe@example.com -> j***@example.com
 *            why:    column "email" ends in "email"
 *     id     integer  public.users.id
 *            not masked: its name marks nothing sensitive, and integer values are not scanned
 * ```
 */
export function maskingLines(m: ExplainedMasking, statementCount: number): string[] {
  const rule = m.ruleId !== undefined ? ` (rule ${m.ruleId})` : '';
  const lines = [`masking:  ${STATUS_WORDS[m.status]}${rule}: ${m.reason}`];
  for (const r of m.results) lines.push(...resultLines(r, statementCount));
  return lines;
}

function resultLines(r: ExplainedResult, statementCount: number): string[] {
  const head = `  statement ${r.index}${statementCount > 1 ? ` of ${statementCount}` : ''}`;
  if (r.status === 'no-rows') return [`${head}: ${r.reason ?? 'returns no rows'}`];
  if (r.status === 'unavailable') return [`${head}: UNAVAILABLE: ${r.reason ?? 'not described'}`];
  const masked = r.columns.filter((c) => c.masked).length;
  const lines = [`${head}: ${plural(r.columns.length, 'column')}, ${masked} masked`];
  const nameWidth = Math.min(24, Math.max(...r.columns.map((c) => c.name.length)));
  const typeWidth = Math.min(16, Math.max(...r.columns.map((c) => c.type.length)));
  for (const c of r.columns) lines.push(...columnLines(c, nameWidth, typeWidth));
  return lines;
}

function columnLines(c: ExplainedColumn, nameWidth: number, typeWidth: number): string[] {
  const indent = ' '.repeat(4 + Math.max(nameWidth, c.name.length) + 2);
  const view = c.view !== undefined ? ` (view ${c.view})` : '';
  const lines = [`    ${c.name.padEnd(nameWidth)}  ${c.type.padEnd(typeWidth)}  ${c.source}${view}`];
  if (!c.masked) {
    lines.push(`${indent}not masked: ${c.reason}`);
    return lines;
  }
  const example = c.example !== null ? `   ${c.example.value} -> ${c.example.masked}` : '';
  lines.push(`${indent}masked: ${c.mask ?? '?'}${example}`, `${indent}why:    ${c.reason}`);
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
