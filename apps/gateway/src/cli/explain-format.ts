import { formatPolicyExplanation } from '@gatehouse/sql-core';
import type { ExplainedStatement, ExplainReport } from '../explain';
import { maskingLines } from './explain-masking-format';

const NONE = '-';

/**
 * The report as text:
 *
 * ```
 * identity: alice [dev]
 * target:   local (postgres, development), database test
 *
 * statement 1: DELETE FROM orders
 *   kind:       write (DELETE)
 *   reads:      -
 *   writes:     orders
 *   columns:    -
 *   functions:  -
 *   guardrails: delete-without-where: DELETE has no WHERE clause and removes every row
 *   decision: deny (rule no-guardrails)
 *   reason:   ...
 *   rules:
 *     [0] no-guardrails  deny    matched
 *           + guardrails: guardrail delete-without-where fired
 *
 * decision: deny (rule no-guardrails)
 * client:   ERROR 42501 gatehouse: ... (rule no-guardrails)
 * masking:  not evaluated: the statement is denied (rule no-guardrails), so it never runs and returns nothing
 * ```
 *
 * (the masking part, when statements run, lists every result column: see maskingLines).
 */
export function formatExplainReport(report: ExplainReport): string {
  const groups = report.identity.groups.length > 0 ? report.identity.groups.join(', ') : 'no groups';
  const t = report.target;
  const lines = [
    `identity: ${report.identity.subject} [${groups}]`,
    `target:   ${t.name} (${t.engine}, ${t.environment}), database ${report.database}`,
  ];
  if (report.statements.length === 0)
    lines.push('', 'the string holds no statement (only comments or whitespace)');
  for (const s of report.statements) lines.push('', ...statementLines(s, report.statements.length));
  lines.push('');
  const d = report.decision;
  const whole =
    report.statements.length > 1 ? `, the strictest of the ${report.statements.length} statements` : '';
  lines.push(`decision: ${d.action} (rule ${d.ruleId})${whole}`);
  if (report.statements.length !== 1) lines.push(`reason:   ${d.reason}`);
  const c = report.client;
  if (c.outcome === 'runs') lines.push('client:   the statement is forwarded to the upstream');
  else if (c.outcome === 'held') lines.push(`client:   ${c.message ?? 'the statement waits for approval'}`);
  else lines.push(`client:   ERROR ${c.sqlstate ?? ''} ${c.message ?? ''}`);
  lines.push(...maskingLines(report.masking, report.statements.length));
  return `${lines.join('\n')}\n`;
}

function statementLines(s: ExplainedStatement, count: number): string[] {
  const f = s.facts;
  const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : NONE);
  const lines = [
    `statement ${s.index}${count > 1 ? ` of ${count}` : ''}: ${oneLine(s.text)}`,
    `  kind:       ${f.kind}${f.command ? ` (${f.command})` : ''}`,
  ];
  if (f.unknownReason !== undefined) lines.push(`  unknown:    ${f.unknownReason}`);
  lines.push(
    `  reads:      ${list(f.tablesRead)}`,
    `  writes:     ${list(f.tablesWritten)}`,
    `  columns:    ${list(f.columns.map((c) => `${c.table === null ? '' : `${c.table}.`}${c.column} (${c.role})`))}`,
    `  functions:  ${list(f.functions)}`,
  );
  if (f.guardrails.length === 0) lines.push(`  guardrails: ${NONE}`);
  else
    f.guardrails.forEach((g, i) =>
      lines.push(`  ${i === 0 ? 'guardrails:' : '           '} ${g.id}: ${g.detail}`),
    );
  if (f.prepares !== undefined)
    lines.push(`  prepares:   ${f.prepares} (EXECUTE ${f.prepares} is judged as this statement)`);
  if (f.executes !== undefined) lines.push(`  executes:   ${f.executes}`);
  const explanation = formatPolicyExplanation({ verdict: s.verdict, trace: s.trace });
  for (const line of explanation.split('\n')) lines.push(`  ${line}`);
  return lines;
}

/** Statement text on one line, bounded so a huge statement does not flood the terminal. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
