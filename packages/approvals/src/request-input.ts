import { ApprovalError } from './approval-error';
import {
  isFinalStatus,
  type ApprovalHolder,
  type ApprovalRequest,
  type CreateApprovalInput,
  type DecisionInput,
  type DecisionKind,
  type FinalDecision,
  type Principal,
} from './approval-request';
import {
  checkGroups,
  checkRequired,
  checkTimeout,
  checkWindow,
  type ResolvedOptions,
} from './service-options';
import { summariseStatement } from './statement-hash';
import type { RequestDoc } from './store/record-codec';
import { isApprovalId } from './ulid';

/** Longest reason kept; longer ones are refused rather than cut, so nobody's words are changed. */
export const MAX_REASON_CHARS = 1000;

function invalid(message: string): ApprovalError {
  return new ApprovalError('invalid_input', message);
}

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || !isApprovalId(id)) {
    throw new ApprovalError('not_found', `approval ${String(id)} does not exist (ids look like apr_01J...)`);
  }
  return id;
}

export function checkPrincipal(p: Principal | undefined, what: string): Principal {
  if (p === undefined || typeof p.subject !== 'string' || p.subject === '')
    throw invalid(`${what} must have a subject`);
  if (!Array.isArray(p.groups) || !p.groups.every((g) => typeof g === 'string')) {
    throw invalid(`${what}'s groups must be a list of group names`);
  }
  return { subject: p.subject, groups: [...p.groups] };
}

export function checkReason(reason: unknown, required: boolean, what: string): string {
  if (reason === undefined || reason === null) reason = '';
  if (typeof reason !== 'string') throw invalid(`${what} must be text`);
  const r = reason.trim();
  if (required && r === '') throw invalid(`${what} is required`);
  if (r.length > MAX_REASON_CHARS) throw invalid(`${what} is longer than ${MAX_REASON_CHARS} characters`);
  return r;
}

export function checkDecision(kind: DecisionKind, input: DecisionInput): { by: Principal; reason: string } {
  return {
    by: checkPrincipal(input, 'the approver'),
    reason: checkReason(input.reason, kind === 'deny', kind === 'deny' ? 'a reason to deny' : 'the reason'),
  };
}

/** The per-request settings: the rule's values, else the service defaults; validated. */
export interface RequestSettings {
  readonly approvers: readonly string[];
  readonly required: number;
  readonly timeoutMs: number;
  readonly grantWindowMs: number;
}

export function checkCreate(input: CreateApprovalInput, o: ResolvedOptions): RequestSettings {
  checkPrincipal(input.requester, 'the requester');
  if (typeof input.sql !== 'string') throw invalid('the statement text is required');
  if (!Array.isArray(input.statements) || input.statements.length === 0) {
    throw invalid('an approval request needs the analysed statements');
  }
  if (typeof input.ruleId !== 'string' || input.ruleId === '')
    throw invalid('an approval request needs the rule id');
  if (typeof input.database !== 'string') throw invalid('an approval request needs the database name');
  const t = input.target;
  if (t === undefined || typeof t.name !== 'string' || t.name === '')
    throw invalid('an approval request needs the target');
  const allowGrant = input.allowGrant === true;
  return {
    approvers:
      input.approvers === undefined
        ? o.approvers
        : checkGroups(input.approvers, `rule ${input.ruleId} approvers`),
    required:
      input.required === undefined
        ? o.required
        : checkRequired(input.required, `rule ${input.ruleId} required`),
    timeoutMs:
      input.timeoutMs === undefined
        ? o.timeoutMs
        : checkTimeout(input.timeoutMs, `rule ${input.ruleId} timeout`),
    grantWindowMs: !allowGrant
      ? 0
      : input.grantWindowMs === undefined
        ? o.grantWindowMs
        : checkWindow(input.grantWindowMs, `rule ${input.ruleId} grant_window`),
  };
}

/** How a final request ended, as a waiting statement is told. Null while pending. */
export function finalDecisionOf(r: ApprovalRequest): FinalDecision | null {
  if (!isFinalStatus(r.status)) return null;
  const status = r.status;
  const entry = [...r.history].reverse().find((e) => e.type === status);
  return {
    id: r.id,
    status,
    by: entry?.by ?? null,
    reason: entry?.reason ? entry.reason : null,
    at: r.decidedAt ?? entry?.at ?? new Date().toISOString(),
  };
}

/** The part of a new request that never changes. The raw text is reduced to its summary and hash here. */
export function newRequestDoc(
  input: CreateApprovalInput,
  settings: RequestSettings,
  holder: ApprovalHolder,
): RequestDoc {
  return {
    requester: { subject: input.requester.subject, groups: [...input.requester.groups] },
    target: { name: input.target.name, engine: input.target.engine, environment: input.target.environment },
    database: input.database,
    statement: summariseStatement(input.sql, input.statements),
    ruleId: input.ruleId,
    reason: input.reason,
    approverGroups: settings.approvers,
    required: settings.required,
    grantWindowMs: settings.grantWindowMs,
    holder,
    sessionId: input.sessionId ?? null,
  };
}
