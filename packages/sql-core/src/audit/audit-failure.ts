import type { Logger } from 'pino';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { AuditEvent } from './audit-event';
import type { AuditSink } from './audit-sink';

/** `audit.on_failure`: what happens to a statement whose record could not be written. */
export const AuditFailureMode = { refuse: 'refuse', allow: 'allow' } as const;
export type AuditFailureMode = (typeof AuditFailureMode)[keyof typeof AuditFailureMode];

/**
 * Writes one event the way the statement path needs it. Resolves true when
 * recorded. On failure: `refuse` (the default) throws a GatewayError
 * `audit_unavailable`, so the statement is refused, never run unrecorded;
 * `allow` logs at error level (every time, with the event type and session)
 * and resolves false so the caller may continue.
 */
export async function recordAuditEvent(
  sink: AuditSink,
  event: AuditEvent,
  mode: AuditFailureMode,
  logger: Logger,
): Promise<boolean> {
  try {
    await sink.write(event);
    return true;
  } catch (err) {
    const sessionId = 'session_id' in event ? event.session_id : undefined;
    if (mode === AuditFailureMode.refuse) {
      logger.error({ err, event: event.type, session: sessionId }, 'audit record not written: refusing');
      throw new GatewayError(
        GatewayErrorCode.auditUnavailable,
        'the audit record could not be written, so the statement was refused',
        { cause: err },
      );
    }
    logger.error(
      { err, event: event.type, session: sessionId },
      'AUDIT RECORD LOST: audit.on_failure is allow, continuing without a record',
    );
    return false;
  }
}
