import type { ApprovalEventType, ApprovalRequest, Principal } from './approval-request';

/**
 * Something happened to a request. Emitted by the gateway instance that made
 * it happen (the one whose API took the decision, the one whose worker or
 * read expired it, the one holding the statement for requested / withdrawn /
 * executed), so a trail fed from every instance holds each event once.
 */
export interface ApprovalEvent {
  readonly type: ApprovalEventType;
  readonly approvalId: string;
  /** ISO-8601, Redis server clock. */
  readonly at: string;
  /** Who caused it: the requester (requested), the approver (approved, denied), or null (expired, system). */
  readonly actor: Principal | null;
  /** The approver's reason; the expiry text; for `withdrawn` the `ApprovalWithdrawReason` code. */
  readonly reason: string | null;
  /** The request as it stands after the event. Holds normalised SQL only, never literals. */
  readonly request: ApprovalRequest;
}

export type ApprovalEventListener = (event: ApprovalEvent) => void | Promise<void>;
