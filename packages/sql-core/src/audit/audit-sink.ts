/** A record for the audit trail. Never holds raw literals, parameters or tokens. */
export interface AuditEvent {
  readonly type: string;
  readonly time: string;
  readonly [field: string]: unknown;
}

/** Where audit events go. `write` resolves once the event is durable enough to proceed. */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
  close(): Promise<void>;
}
