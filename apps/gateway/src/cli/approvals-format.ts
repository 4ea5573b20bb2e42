import type { ApprovalRequest } from '@gatehouse/approvals';

/** How `gatehouse approvals` prints requests for a person (--json prints the API's JSON). */

const MAX_SQL = 60;

function oneLine(sql: string, max: number): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}

export function formatList(requests: readonly ApprovalRequest[]): string {
  if (requests.length === 0) return 'no approval requests\n';
  return table([
    ['ID', 'STATUS', 'REQUESTER', 'TARGET', 'RULE', 'APPROVALS', 'EXPIRES', 'STATEMENT'],
    ...requests.map((r) => [
      r.id,
      r.status,
      r.requester.subject,
      `${r.target.name}/${r.database}`,
      r.ruleId,
      `${r.approvals}/${r.required}`,
      r.status === 'pending' ? r.expiresAt : '-',
      oneLine(r.statement.normalized, MAX_SQL),
    ]),
  ]);
}

export function formatRequest(r: ApprovalRequest): string {
  const lines = [
    `${r.id}  ${r.status}${r.status === 'approved' && r.executedAt ? ' (executed)' : ''}`,
    `requester:  ${r.requester.subject} [${r.requester.groups.join(', ')}]`,
    `target:     ${r.target.name} (${r.target.environment}), database ${r.database}`,
    `rule:       ${r.ruleId}: ${r.reason}`,
    `approvals:  ${r.approvals} of ${r.required}, by members of ${r.approverGroups.join(', ')}`,
    `created:    ${r.createdAt}`,
    r.status === 'pending' ? `expires:    ${r.expiresAt}` : `decided:    ${r.decidedAt ?? '-'}`,
    'statement:',
    ...r.statement.normalized.split('\n').map((l) => `  ${l}`),
  ];
  for (const d of r.decisions)
    lines.push(
      `${d.decision === 'approve' ? 'approved' : 'denied'} by ${d.by} at ${d.at}${d.reason ? `: ${d.reason}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
