import type { Engine, StatementKind } from '@gatehouse/sql-core';
import type { ApprovalEvent } from '../approval-event';
import type { ApprovalEventType, ApprovalStatus } from '../approval-request';
import type { WebhookFormat } from './webhook-target';

/** Normalised SQL longer than this is cut in notifications (chat messages have limits). */
const MAX_SQL_CHARS = 2000;

/**
 * What a webhook receives (format `json`). Built from the stored request, so
 * it holds the normalised SQL only: literal values never leave the gateway.
 */
export interface ApprovalNotification {
  readonly kind: 'gatehouse.approval';
  readonly event: ApprovalEventType;
  readonly approvalId: string;
  readonly status: ApprovalStatus;
  readonly at: string;
  /** The approver (approved, denied), the requester (requested), or null. */
  readonly actor: string | null;
  readonly actorReason: string | null;
  readonly requester: string;
  readonly target: { readonly name: string; readonly environment: string; readonly engine: Engine };
  readonly database: string;
  readonly ruleId: string;
  readonly ruleReason: string;
  readonly statement: {
    readonly normalized: string;
    readonly fingerprint: string;
    readonly kinds: readonly StatementKind[];
    readonly tablesRead: readonly string[];
    readonly tablesWritten: readonly string[];
    readonly guardrails: readonly string[];
  };
  readonly approvals: number;
  readonly required: number;
  readonly approverGroups: readonly string[];
  readonly expiresAt: string;
  readonly howToApprove: { readonly cli: string; readonly api: string; readonly url?: string };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function cut(text: string): string {
  return text.length <= MAX_SQL_CHARS ? text : `${text.slice(0, MAX_SQL_CHARS)}…`;
}

export function buildNotification(event: ApprovalEvent, controlUrl?: string): ApprovalNotification {
  const r = event.request;
  const api = `POST /v1/approvals/${r.id}/approve`;
  return {
    kind: 'gatehouse.approval',
    event: event.type,
    approvalId: r.id,
    status: r.status,
    at: event.at,
    actor: event.actor?.subject ?? null,
    actorReason: event.reason,
    requester: r.requester.subject,
    target: { name: r.target.name, environment: r.target.environment, engine: r.target.engine },
    database: r.database,
    ruleId: r.ruleId,
    ruleReason: r.reason,
    statement: {
      normalized: cut(r.statement.normalized),
      fingerprint: r.statement.fingerprint,
      kinds: unique(r.statement.statements.map((s) => s.kind)),
      tablesRead: unique(r.statement.statements.flatMap((s) => s.tablesRead)),
      tablesWritten: unique(r.statement.statements.flatMap((s) => s.tablesWritten)),
      guardrails: unique(r.statement.statements.flatMap((s) => s.guardrails)),
    },
    approvals: r.approvals,
    required: r.required,
    approverGroups: r.approverGroups,
    expiresAt: r.expiresAt,
    howToApprove: {
      cli: `gatehouse approvals approve ${r.id}`,
      api,
      ...(controlUrl ? { url: `${controlUrl.replace(/\/+$/, '')}/v1/approvals/${r.id}` } : {}),
    },
  };
}

/** Slack mrkdwn needs `&`, `<` and `>` escaped; nothing else is special in plain text. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const HEADLINE: Record<ApprovalEventType, string> = {
  requested: 'Approval requested',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
  withdrawn: 'Withdrawn',
  executed: 'Executed',
};

/** The Slack incoming-webhook text for a notification. */
export function slackText(n: ApprovalNotification): string {
  const e = slackEscape;
  const lines: string[] = [];
  let headline = `*${HEADLINE[n.event]}* \`${n.approvalId}\``;
  if (n.event === 'approved' && n.status === 'pending') headline += ` (${n.approvals} of ${n.required})`;
  lines.push(headline);
  lines.push(
    `${e(n.requester)} on *${e(n.target.name)}* (${e(n.target.environment)}, ${n.target.engine}) database \`${e(n.database)}\``,
  );
  lines.push(`Rule \`${e(n.ruleId)}\`: ${e(n.ruleReason)}`);
  if (n.statement.guardrails.length > 0) lines.push(`Guardrails: ${e(n.statement.guardrails.join(', '))}`);
  // A run of backticks inside the SQL would close the code block early.
  lines.push('```' + e(n.statement.normalized).replace(/`{3,}/g, '` ` `') + '```');
  if (n.actor !== null) lines.push(`By ${e(n.actor)}${n.actorReason ? `: ${e(n.actorReason)}` : ''}`);
  else if (n.actorReason) lines.push(e(n.actorReason));
  if (n.event === 'requested' || n.status === 'pending') {
    const approve = n.howToApprove.url ? `<${n.howToApprove.url}|open>, or ` : '';
    lines.push(
      `${approve}\`${n.howToApprove.cli}\` (groups: ${e(n.approverGroups.join(', '))}; expires ${n.expiresAt})`,
    );
  }
  return lines.join('\n');
}

/** The HTTP body for a webhook of the given format. */
export function webhookBody(n: ApprovalNotification, format: WebhookFormat): string {
  return format === 'slack' ? JSON.stringify({ text: slackText(n) }) : JSON.stringify(n);
}
