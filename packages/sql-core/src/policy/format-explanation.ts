import type { PolicyExplanation } from './explain-policy';

/**
 * The explanation as text for `gatehouse explain`:
 *
 * ```
 * decision: deny (rule no-destruction)
 * reason:   DELETE on public.orders is blocked by guardrail delete-without-where: ...
 * rules:
 *   [0] no-destruction  deny    matched
 *         + guardrails: guardrail delete-without-where fired
 *   [1] reads           allow   not reached
 * ```
 */
export function formatPolicyExplanation(explanation: PolicyExplanation): string {
  const { verdict, trace } = explanation;
  const lines = [`decision: ${verdict.action} (rule ${verdict.ruleId})`, `reason:   ${verdict.reason}`];
  if (verdict.approvers !== undefined) lines.push(`approvers: ${verdict.approvers.join(', ')}`);
  if (verdict.required !== undefined) lines.push(`required: ${verdict.required}`);
  if (verdict.grant !== undefined)
    lines.push(
      `grant:    ${verdict.grant ? 'an approval also covers a retry within the grant window' : 'no'}`,
    );
  if (trace.length === 0) lines.push('rules:    (none configured)');
  else lines.push('rules:');
  const idWidth = Math.max(0, ...trace.map((t) => t.ruleId.length));
  for (const t of trace) {
    lines.push(
      `  [${t.index}] ${t.ruleId.padEnd(idWidth)}  ${t.action.padEnd(6)}  ${t.outcome.replace('-', ' ')}`,
    );
    for (const c of t.conditions) lines.push(`        ${c.holds ? '+' : '-'} ${c.condition}: ${c.detail}`);
    if (t.conditions.length === 0 && t.outcome !== 'not-reached')
      lines.push('        + (no conditions: every statement)');
    if (t.note !== undefined) lines.push(`        note: ${t.note}`);
  }
  if (verdict.ruleId === 'default-deny')
    lines.push('no rule matched, so the statement is denied (default-deny)');
  return lines.join('\n');
}
