import type { Logger } from 'pino';
import type { AuditEvent } from '../audit/audit-event';
import { AuditFailureMode } from '../audit/audit-failure';
import type { AuditSink } from '../audit/audit-sink';
import { statementIntentEvent } from '../audit/statement-event-builders';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { Decision } from './decision';
import type { StatementEvent } from './statement-event';

export interface AuditTrailOptions {
  readonly sink: AuditSink;
  /** `refuse` (default): a statement whose intent cannot be written does not run. */
  readonly onFailure: AuditFailureMode;
  /** Keep the full statement text (with literals) in intents; off by default. */
  readonly keepFullText?: boolean;
}

/**
 * The pipeline's side of the audit: `required` records gate what follows
 * (a statement intent, a session start) and reject under `refuse`; `note`
 * records what already happened (outcomes, session ends) and only logs when
 * they cannot be written.
 */
export class AuditTrail {
  readonly keepFullText: boolean;
  readonly #options: AuditTrailOptions;
  readonly #logger: Logger;

  constructor(options: AuditTrailOptions, logger: Logger) {
    this.#options = options;
    this.keepFullText = options.keepFullText ?? false;
    this.#logger = logger;
  }

  /**
   * Records an event that gates what follows. Returns nothing when the sink
   * recorded it at once (the statement path stays synchronous), else a
   * Promise. Under `refuse` a failure throws (or rejects with) GatewayError
   * `audit_unavailable`; under `allow` it is logged loudly and swallowed.
   */
  required(event: AuditEvent): void | Promise<void> {
    const sink = this.#options.sink;
    let pending: void | Promise<void>;
    try {
      pending = sink.writeNow ? sink.writeNow(event) : sink.write(event);
    } catch (err) {
      this.#failed(event, err);
      return;
    }
    if (pending === undefined) return;
    return pending.catch((err: unknown) => this.#failed(event, err));
  }

  /** The statement string's intent, before anything is forwarded: gates it as `required` does. */
  intent(event: StatementEvent, decision: Decision): void | Promise<void> {
    return this.required(
      statementIntentEvent(event, decision, event.seq, { keepFullText: this.keepFullText }),
    );
  }

  /** The intent of a statement that will not run: recorded without gating anything. */
  noteIntent(event: StatementEvent, decision: Decision): void {
    this.note(statementIntentEvent(event, decision, event.seq, { keepFullText: this.keepFullText }));
  }

  #failed(event: AuditEvent, err: unknown): void {
    const session = 'session_id' in event ? event.session_id : undefined;
    if (this.#options.onFailure === AuditFailureMode.refuse) {
      this.#logger.error({ err, event: event.type, session }, 'audit record not written: refusing');
      throw new GatewayError(
        GatewayErrorCode.auditUnavailable,
        'the audit record could not be written, so the statement was refused',
        { cause: err },
      );
    }
    this.#logger.error(
      { err, event: event.type, session },
      'AUDIT RECORD LOST: audit.on_failure is allow, continuing without a record',
    );
  }

  /** Records what already happened; a failure is only logged (nothing is left to refuse). */
  note(event: AuditEvent): void {
    const sink = this.#options.sink;
    if (sink.note) sink.note(event, this.#noteFailed);
    else sink.write(event).catch((err: unknown) => this.#noteFailed(err, event));
  }

  readonly #noteFailed = (err: unknown, event: AuditEvent): void => {
    this.#logger.error({ err, event: event.type }, 'audit record not written');
  };
}
