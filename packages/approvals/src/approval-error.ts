import type { ApprovalStatus } from './approval-request';

/** Why an approval operation was refused. Stable strings: the control API returns them. */
export const ApprovalErrorCode = {
  /** No request with that id (never existed, or past retention). */
  notFound: 'not_found',
  /** The request is no longer pending (approved, denied, expired or withdrawn); see `status`. */
  notPending: 'not_pending',
  /** The requester tried to approve their own request. */
  selfApproval: 'self_approval',
  /** The identity is in none of the request's approver groups. */
  notApprover: 'not_approver',
  /** `recordExecuted` on a request that is not approved. */
  notApproved: 'not_approved',
  /** The input is malformed (empty subject, no statements, bad numbers...). */
  invalidInput: 'invalid_input',
  /** Redis could not be reached in time, or failed the command. Callers fail closed. */
  storeUnavailable: 'store_unavailable',
  /** The service was closed while the caller waited. */
  closed: 'closed',
} as const;
export type ApprovalErrorCode = (typeof ApprovalErrorCode)[keyof typeof ApprovalErrorCode];

export class ApprovalError extends Error {
  override readonly name = 'ApprovalError';
  constructor(
    readonly code: ApprovalErrorCode,
    message: string,
    readonly details: { readonly approvalId?: string; readonly status?: ApprovalStatus } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get approvalId(): string | undefined {
    return this.details.approvalId;
  }

  get status(): ApprovalStatus | undefined {
    return this.details.status;
  }
}

export function isApprovalError(err: unknown, code?: ApprovalErrorCode): err is ApprovalError {
  return err instanceof ApprovalError && (code === undefined || err.code === code);
}

/** The sentence a client sees when a decision is refused because the request is final. */
export function notPendingMessage(id: string, status: ApprovalStatus): string {
  return status === 'expired'
    ? `approval ${id} has expired; decisions are no longer accepted`
    : `approval ${id} is already ${status}; decisions are no longer accepted`;
}

/**
 * Why the store refused a decision on `id` by `subject`, as the error the
 * caller gets; null when the decision was taken (`ok`).
 */
export function decisionRefusal(
  id: string,
  subject: string,
  reply: { readonly outcome: string; readonly status: string },
): ApprovalError | null {
  const details = { approvalId: id, status: reply.status as ApprovalStatus };
  switch (reply.outcome) {
    case 'ok':
      return null;
    case 'not_found':
      return new ApprovalError('not_found', `approval ${id} does not exist`, { approvalId: id });
    case 'self_approval':
      return new ApprovalError(
        'self_approval',
        `${subject} requested approval ${id} and cannot approve it; another approver must`,
        details,
      );
    case 'not_approver':
      return new ApprovalError(
        'not_approver',
        `${subject} is in none of the approver groups of approval ${id}`,
        details,
      );
    case 'not_pending':
      return new ApprovalError('not_pending', notPendingMessage(id, details.status), details);
    default:
      return new ApprovalError(
        'store_unavailable',
        `approval ${id}: unexpected store answer ${reply.outcome}`,
        details,
      );
  }
}
