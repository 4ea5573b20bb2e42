import type { DenyDecision, GatewayError, GatewayErrorCode } from '@gatehouse/sql-core';
import { encodeErrorResponse, encodeNoticeResponse } from '../codec';

/** SQLSTATE and severity for each GatewayError code, as a PostgreSQL client expects them. */
const SQLSTATE: Record<GatewayErrorCode, { code: string; fatal: boolean }> = {
  auth_failed: { code: '28P01', fatal: true }, // invalid_password
  plaintext_refused: { code: '28000', fatal: true }, // invalid_authorization_specification
  unknown_target: { code: '3D000', fatal: true }, // invalid_catalog_name
  no_upstream_login: { code: '28000', fatal: true },
  upstream_unavailable: { code: '08001', fatal: true }, // sqlclient_unable_to_establish_sqlconnection
  policy_denied: { code: '42501', fatal: false }, // insufficient_privilege
  analysis_failed: { code: '42501', fatal: false },
  approval_denied: { code: '42501', fatal: false },
  audit_unavailable: { code: '58000', fatal: false }, // system_error
  protocol_violation: { code: '08P01', fatal: true }, // protocol_violation
  canceled: { code: '57014', fatal: false }, // query_canceled
  admin_shutdown: { code: '57P01', fatal: true }, // admin_shutdown
  internal: { code: 'XX000', fatal: true }, // internal_error
};

/**
 * An ErrorResponse for a GatewayError; FATAL ones end the session. During
 * startup every error is FATAL (`forceFatal`): there is no session to keep.
 */
export function gatewayErrorResponse(
  err: GatewayError,
  forceFatal = false,
): { message: Buffer; fatal: boolean } {
  const { code } = SQLSTATE[err.code];
  const fatal = forceFatal || SQLSTATE[err.code].fatal;
  const severity = fatal ? 'FATAL' : 'ERROR';
  return { message: encodeErrorResponse({ severity, code, message: `gatehouse: ${err.message}` }), fatal };
}

/**
 * The ErrorResponse a denied statement gets: `gatehouse: <reason> (rule <id>)`;
 * a statement cancelled while held gets query_canceled, as the server words it.
 */
export function denialResponse(decision: DenyDecision): Buffer {
  const message =
    decision.code === 'canceled' || decision.code === 'audit_unavailable'
      ? `gatehouse: ${decision.reason}`
      : `gatehouse: ${decision.reason} (rule ${decision.ruleId})`;
  return encodeErrorResponse({ severity: 'ERROR', code: SQLSTATE[decision.code].code, message });
}

export function fatalResponse(code: string, message: string): Buffer {
  return encodeErrorResponse({ severity: 'FATAL', code, message: `gatehouse: ${message}` });
}

export function noticeResponse(message: string, detail?: string): Buffer {
  return encodeNoticeResponse({
    severity: 'NOTICE',
    code: '00000',
    message: `gatehouse: ${message}`,
    detail,
  });
}
