import type { AuditEvent } from '@gatehouse/sql-core';
import type { AuditObservation, AuditObserver } from '../audit/audit-fan-out';
import type { ReplicaQueueHooks } from '../audit/replica-queue';
import type { GatewayMetrics } from './gateway-metrics';
import { PendingStatements } from './pending-statements';

const FILE = ['file'] as const;

/** Label values outside these shapes are folded into `other`, so a label set stays bounded. */
const SAFE_LABEL = /^[a-z0-9][a-z0-9_:.-]{0,62}$/i;

function label(value: unknown, known?: ReadonlySet<string>): string {
  if (typeof value !== 'string') return 'none';
  if (known) return known.has(value) ? value : 'other';
  return SAFE_LABEL.test(value) ? value : 'other';
}

/**
 * Metrics from the audit events themselves: the observer sees every event
 * once its file write settled, so no engine or pipeline hook is needed.
 *
 * Gateway overhead per statement: the outcome says how long the statement
 * took from reaching the gateway (`duration_ms`, measured by the engine) and
 * arrives when it ended, so it started at `outcome time - duration`; its
 * intent write settled at a time the observer saw. The difference is what
 * the gateway added before forwarding: analysis, policy, the intent write.
 */
export class AuditMetricsObserver implements AuditObserver {
  readonly #metrics: GatewayMetrics;
  readonly #targets: () => ReadonlySet<string>;
  /** When each forwarded statement's intent was settled. */
  readonly #forwarded = new PendingStatements<number>();

  readonly #refuseOnFailure: boolean;

  /** `refuseOnFailure`: audit.on_failure is refuse, so a session whose start was not written never ran. */
  constructor(metrics: GatewayMetrics, targets: () => ReadonlySet<string>, refuseOnFailure = true) {
    this.#metrics = metrics;
    this.#targets = targets;
    this.#refuseOnFailure = refuseOnFailure;
  }

  observe({ event, receivedAt, settledAt, written, deferred }: AuditObservation): void {
    const m = this.#metrics;
    if (written) m.auditRecords.inc([event.type]);
    else m.auditWriteFailures.inc(FILE);
    // A record let wait to share a write (up to 5 ms) says nothing about how long writes take.
    if (!deferred) m.auditWrite.observe((settledAt - receivedAt) / 1000, FILE);
    this.#count(event, receivedAt, settledAt, written);
  }

  /** Hooks for the copies' queues (PostgreSQL, webhook). */
  replicaHooks(): ReplicaQueueHooks {
    const m = this.#metrics;
    return {
      delivered: (sink, _records, seconds) => m.auditWrite.observe(seconds, [sink]),
      failed: (sink) => m.auditWriteFailures.inc([sink]),
      dropped: (sink, records) => m.auditDropped.inc({ sink }, records),
      depth: (sink, records) => m.auditBuffered.set({ sink }, records),
    };
  }

  #count(event: AuditEvent, receivedAt: number, settledAt: number, written: boolean): void {
    const m = this.#metrics;
    switch (event.type) {
      case 'session.start':
        // A start the file refused under on_failure: refuse never became a session.
        if (!written && this.#refuseOnFailure) return;
        m.sessions.inc({ target: label(event.target, this.#targets()) });
        m.sessionsOpen.inc({ target: label(event.target, this.#targets()) });
        return;
      case 'session.end':
        m.sessionsOpen.dec({ target: label(event.target, this.#targets()) });
        this.#forwarded.endSession(event.session_id);
        return;
      case 'auth.failed':
        m.authFailures.inc({ reason: label(event.reason) });
        if (event.reason === 'upstream_unavailable') {
          // The client named the target (`prod` or `prod/db`); it resolved, or the upstream would not have been tried.
          m.upstreamConnectFailures.inc({ target: label(event.target?.split('/')[0], this.#targets()) });
        }
        return;
      case 'statement.intent':
        for (const s of event.statements) {
          m.statements.inc([label(s.kind), event.decision]);
          for (const g of s.guardrails) m.guardrailHits.inc([label(g.id)]);
        }
        if (event.statements.length === 0) m.statements.inc(['empty', event.decision]);
        if (event.decision === 'allow' && written)
          this.#forwarded.set(event.session_id, event.statement_seq, settledAt);
        return;
      case 'statement.outcome': {
        const seconds = event.duration_ms / 1000;
        m.statementDuration.observe(seconds, [event.status]);
        const intentSettled = this.#forwarded.take(event.session_id, event.statement_seq);
        if (intentSettled !== undefined) {
          const started = receivedAt - event.duration_ms;
          m.statementOverhead.observe(Math.max(0, intentSettled - started) / 1000);
        }
        for (const col of event.masked) {
          m.maskedValues.inc([], col.values);
          for (const d of col.detectors) m.maskedColumns.inc([label(d)]);
        }
        return;
      }
      default:
        return;
    }
  }
}
