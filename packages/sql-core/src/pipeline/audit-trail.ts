import type { Logger } from 'pino';
import type { AuditEvent } from '../audit/audit-event';
import { recordAuditEvent, type AuditFailureMode } from '../audit/audit-failure';
import type { AuditSink } from '../audit/audit-sink';

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

  /** Resolves once written; throws GatewayError `audit_unavailable` under `refuse`. */
  async required(event: AuditEvent): Promise<void> {
    await recordAuditEvent(this.#options.sink, event, this.#options.onFailure, this.#logger);
  }

  note(event: AuditEvent): void {
    this.#options.sink.write(event).catch((err: unknown) => {
      this.#logger.error({ err, event: event.type }, 'audit record not written');
    });
  }
}
