import type { StatementIntentEvent } from '@gatehouse/sql-core';
import type { AuditObservation, AuditObserver } from '../audit/audit-fan-out';
import type { TracingConfig } from '../config';
import type { OtelApi, OtelSpan, OtelTracer } from './otel-api';
import { PendingStatements } from './pending-statements';

/** Where a target's upstream is, for server.address and server.port. */
export type UpstreamLookup = (target: string) => { readonly host: string; readonly port: number } | undefined;

interface OpenSession {
  readonly span: OtelSpan;
  readonly context: unknown;
  readonly attributes: Record<string, string | number>;
}

interface ForwardedStatement {
  readonly intent: StatementIntentEvent;
}

/** performance.now() of this process as epoch milliseconds (what span times take). */
function epochMs(monotonic: number): number {
  return performance.timeOrigin + monotonic;
}

/**
 * OpenTelemetry spans from the audit events, through `@opentelemetry/api`:
 * a `gatehouse.session` span per session (start to end) and one span per
 * client statement string, its child, from the statement reaching the
 * gateway to the upstream's answer (denied statements: a short span with an
 * error status). Attributes follow the database semantic conventions and
 * never carry a literal: the statement text, when `tracing.statement_text`
 * is on, is the analyser's normalised text; never the client's.
 *
 * With no SDK registered, the API hands out non-recording spans and this
 * keeps no state for them.
 */
export class StatementTracer implements AuditObserver {
  readonly #api: OtelApi;
  readonly #tracer: OtelTracer;
  readonly #config: () => TracingConfig;
  readonly #upstream: UpstreamLookup;
  readonly #sessions = new Map<string, OpenSession>();
  readonly #forwarded = new PendingStatements<ForwardedStatement>(50_000);

  constructor(api: OtelApi, config: () => TracingConfig, upstream: UpstreamLookup, version = '0.1.0') {
    this.#api = api;
    this.#tracer = api.trace.getTracer('gatehouse', version);
    this.#config = config;
    this.#upstream = upstream;
  }

  /** Sessions with a recording span (0 when no SDK is registered). */
  get openSessions(): number {
    return this.#sessions.size;
  }

  observe({ event, receivedAt, settledAt }: AuditObservation): void {
    switch (event.type) {
      case 'session.start': {
        const attributes: Record<string, string | number> = {
          'db.system': 'postgresql',
          'db.system.name': 'postgresql',
          'db.namespace': event.database,
          'gatehouse.target': event.target,
          'gatehouse.environment': event.environment,
          'gatehouse.session_id': event.session_id,
        };
        const up = this.#upstream(event.target);
        if (up) {
          attributes['server.address'] = up.host;
          attributes['server.port'] = up.port;
        }
        const span = this.#tracer.startSpan('gatehouse.session', {
          kind: this.#api.SpanKind.SERVER,
          startTime: epochMs(receivedAt),
          attributes,
        });
        if (!span.isRecording()) return;
        const context = this.#api.trace.setSpan(this.#api.context.active(), span);
        this.#sessions.set(event.session_id, { span, context, attributes });
        return;
      }
      case 'session.end': {
        const session = this.#sessions.get(event.session_id);
        if (!session) return;
        this.#sessions.delete(event.session_id);
        this.#forwarded.endSession(event.session_id);
        session.span.setAttribute('gatehouse.session.end_reason', event.reason);
        session.span.setAttribute('gatehouse.session.statements', event.statements);
        session.span.end(epochMs(receivedAt));
        return;
      }
      case 'statement.intent': {
        const session = this.#sessions.get(event.session_id);
        if (!session) return;
        if (event.decision === 'allow') {
          this.#forwarded.set(event.session_id, event.statement_seq, { intent: event });
          return;
        }
        // Denied (or held for review): the statement ends here, as far as the upstream is concerned.
        const span = this.#statementSpan(session, event, receivedAt);
        span.setAttribute('gatehouse.reason', event.reason ?? '');
        span.setStatus({
          code: this.#api.SpanStatusCode.ERROR,
          message: `${event.decision} by rule ${event.rule_id}`,
        });
        span.end(epochMs(settledAt));
        return;
      }
      case 'statement.outcome': {
        const session = this.#sessions.get(event.session_id);
        const forwarded = this.#forwarded.take(event.session_id, event.statement_seq);
        if (!session || !forwarded) return;
        const span = this.#statementSpan(session, forwarded.intent, receivedAt - event.duration_ms);
        if (event.rows_returned !== null) span.setAttribute('db.response.returned_rows', event.rows_returned);
        if (event.rows_affected !== null) span.setAttribute('gatehouse.rows_affected', event.rows_affected);
        if (event.sqlstate !== null) {
          span.setAttribute('db.response.status_code', event.sqlstate);
          span.setAttribute('error.type', event.sqlstate);
          span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: `SQLSTATE ${event.sqlstate}` });
        }
        span.end(epochMs(receivedAt));
        return;
      }
      default:
        return;
    }
  }

  #statementSpan(session: OpenSession, intent: StatementIntentEvent, startedAt: number): OtelSpan {
    const first = intent.statements[0];
    const operation =
      intent.statements.length === 1 && first
        ? first.command
        : intent.statements.length > 1
          ? 'BATCH'
          : 'EMPTY';
    const attributes: Record<string, string | number | boolean> = {
      ...session.attributes,
      'db.operation.name': operation,
      'db.operation': operation,
      'gatehouse.statement_seq': intent.statement_seq,
      'gatehouse.decision': intent.decision,
      'gatehouse.rule_id': intent.rule_id,
      'gatehouse.statement.kinds': [...new Set(intent.statements.map((s) => s.kind))].join(','),
    };
    if (intent.statements.length > 1) attributes['db.operation.batch.size'] = intent.statements.length;
    if (this.#config().statement_text)
      attributes['db.query.text'] = intent.statements.map((s) => s.sql).join('; ');
    const name = `${operation} ${String(session.attributes['gatehouse.target'])}`;
    return this.#tracer.startSpan(
      name,
      { kind: this.#api.SpanKind.CLIENT, startTime: epochMs(startedAt), attributes },
      session.context,
    );
  }
}
