/**
 * The one error type inside Gatehouse. Engines encode it at the wire edge only
 * (PostgreSQL ErrorResponse with a SQLSTATE, MySQL ERR with errno + SQLSTATE).
 */
export const GatewayErrorCode = {
  /** The client's credential was missing, malformed, expired or unknown. */
  authFailed: 'auth_failed',
  /** A cleartext credential was offered over a channel that may not carry it. */
  plaintextRefused: 'plaintext_refused',
  /** The startup named no target, or one that is not configured. */
  unknownTarget: 'unknown_target',
  /** No upstream login matches the identity's groups. */
  noUpstreamLogin: 'no_upstream_login',
  /** The upstream could not be reached or refused Gatehouse's login. */
  upstreamUnavailable: 'upstream_unavailable',
  /** The policy denied the statement. */
  policyDenied: 'policy_denied',
  /** The statement could not be analysed and no rule allows unknown statements. */
  analysisFailed: 'analysis_failed',
  /** The statement needs approval and none was (or can be) given. */
  approvalDenied: 'approval_denied',
  /** The audit record could not be written, so the statement was refused. */
  auditUnavailable: 'audit_unavailable',
  /** The client broke the wire protocol. */
  protocolViolation: 'protocol_violation',
  /** The statement was cancelled by the client. */
  canceled: 'canceled',
  /** An operator ended the session, or the gateway is shutting down. */
  adminShutdown: 'admin_shutdown',
  /** A bug or an unexpected state; fails closed. */
  internal: 'internal',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
