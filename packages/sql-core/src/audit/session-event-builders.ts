import type { GatewayErrorCode } from '../errors/gateway-error';
import type { Engine } from '../identity/target';
import type { SessionContext } from '../session/session-context';
import type {
  AuditSessionFields,
  AuthFailedEvent,
  SessionEndEvent,
  SessionEndReason,
  SessionStartEvent,
} from './audit-event';
import { clip, scrubSecrets } from './audit-scrub';
import { roundMs } from './statement-event-builders';

function sessionFields(session: SessionContext, upstreamUser: string | null): AuditSessionFields {
  return {
    session_id: session.id,
    subject: session.identity.subject,
    groups: [...session.identity.groups],
    auth_method: session.identity.authMethod,
    issuer: session.identity.issuer,
    client_address: session.clientAddress,
    client_user: clip(scrubSecrets(session.clientUser), 128),
    target: session.target.name,
    engine: session.target.engine,
    environment: session.target.environment,
    database: session.database,
    upstream_user: upstreamUser,
    tls: session.tls,
  };
}

/** Written once the client is authenticated and the upstream login chosen, before any statement. */
export function sessionStartEvent(
  session: SessionContext,
  upstreamUser: string | null,
  time: Date = new Date(),
): SessionStartEvent {
  return { type: 'session.start', time: time.toISOString(), ...sessionFields(session, upstreamUser) };
}

export interface SessionTotals {
  readonly upstreamUser: string | null;
  readonly reason: SessionEndReason;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly statements: number;
}

export function sessionEndEvent(
  session: SessionContext,
  totals: SessionTotals,
  time: Date = new Date(),
): SessionEndEvent {
  return {
    type: 'session.end',
    time: time.toISOString(),
    ...sessionFields(session, totals.upstreamUser),
    reason: totals.reason,
    bytes_in: totals.bytesIn,
    bytes_out: totals.bytesOut,
    duration_ms: roundMs(totals.durationMs),
    statements: totals.statements,
  };
}

export interface AuthFailure {
  /** The user name the client sent. Some clients put the token here: it is scrubbed. */
  readonly claimedUser: string;
  readonly reason: GatewayErrorCode;
  /** One sentence; must not contain the credential (scrubbed as a last defence). */
  readonly detail: string;
  readonly clientAddress: string;
  readonly engine: Engine;
  readonly target: string | null;
  readonly tls: boolean;
}

export function authFailedEvent(failure: AuthFailure, time: Date = new Date()): AuthFailedEvent {
  return {
    type: 'auth.failed',
    time: time.toISOString(),
    claimed_user: clip(scrubSecrets(failure.claimedUser), 128),
    reason: failure.reason,
    detail: clip(scrubSecrets(failure.detail)),
    client_address: failure.clientAddress,
    engine: failure.engine,
    target: failure.target === null ? null : clip(scrubSecrets(failure.target), 128),
    tls: failure.tls,
  };
}
