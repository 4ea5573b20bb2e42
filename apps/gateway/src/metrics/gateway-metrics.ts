import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics';

/** Seconds; from tens of microseconds (a cached analysis plus a grouped write) to a slow disk. */
const FAST_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
/** Seconds; statements as the client waits for them. */
const STATEMENT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

/**
 * Every Prometheus metric of one gateway process, in a registry of its own
 * (so two gateways in one process, as in tests, never share counters). With
 * workers, the primary sums the workers' registries (see cluster-metrics.ts);
 * each metric's aggregator says how (sum unless stated).
 *
 * The metrics every statement touches are FastCounter / FastHistogram
 * (positional label values, no per-call hashing: see fast-metrics.ts).
 *
 * Label values come from bounded sets only: configured target names,
 * statement kinds, decisions, guardrail ids, error codes. Never a subject,
 * a session or anything the client typed.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly sessionsOpen = new Gauge({
    name: 'gatehouse_sessions_open',
    help: 'Client sessions open now (authenticated and connected upstream)',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly sessions = new Counter({
    name: 'gatehouse_sessions_total',
    help: 'Client sessions started',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'gatehouse_auth_failures_total',
    help: 'Failed logins by reason (auth_failed, plaintext_refused, unknown_target, no_upstream_login, upstream_unavailable)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly upstreamConnectFailures = new Counter({
    name: 'gatehouse_upstream_connect_failures_total',
    help: 'Sessions refused because the upstream could not be reached or refused the gateway login',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly statements = new FastCounter({
    name: 'gatehouse_statements_total',
    help: 'Statements decided, by kind and decision (each statement of a multi-statement string counts)',
    labelNames: ['kind', 'decision'] as const,
    registers: [this.registry],
  });

  readonly guardrailHits = new FastCounter({
    name: 'gatehouse_guardrail_hits_total',
    help: 'Guardrails that fired, by guardrail id (whatever the decision)',
    labelNames: ['guardrail'] as const,
    registers: [this.registry],
  });

  readonly maskedValues = new FastCounter({
    name: 'gatehouse_masked_values_total',
    help: 'Result values rewritten by masking',
    registers: [this.registry],
  });

  readonly maskedColumns = new FastCounter({
    name: 'gatehouse_masked_columns_total',
    help: 'Result columns that had values masked, by detector',
    labelNames: ['detector'] as const,
    registers: [this.registry],
  });

  readonly statementDuration = new FastHistogram({
    name: 'gatehouse_statement_duration_seconds',
    help: 'From the statement reaching the gateway to the upstream being done with it (forwarded statements)',
    labelNames: ['status'] as const,
    buckets: STATEMENT_BUCKETS,
    registers: [this.registry],
  });

  readonly statementOverhead = new FastHistogram({
    name: 'gatehouse_statement_overhead_seconds',
    help: 'Time the gateway held an allowed statement before forwarding it: analysis, policy and the intent write',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });

  readonly auditWrite = new FastHistogram({
    name: 'gatehouse_audit_write_seconds',
    help: 'Audit write latency: a record that gates a statement or session to the file (sink=file), a batch to a copy (sink=postgres|webhook)',
    labelNames: ['sink'] as const,
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });

  readonly auditWriteFailures = new FastCounter({
    name: 'gatehouse_audit_write_failures_total',
    help: 'Audit records the file refused (sink=file), batches a copy failed to take (sink=postgres|webhook)',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly auditRecords = new FastCounter({
    name: 'gatehouse_audit_records_total',
    help: 'Audit records written to the file, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly auditDropped = new Counter({
    name: 'gatehouse_audit_sink_dropped_total',
    help: 'Records a copy dropped because its buffer was full (the file still has them)',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly auditBuffered = new Gauge({
    name: 'gatehouse_audit_sink_buffered',
    help: 'Records waiting for a copy (PostgreSQL, webhook)',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });

  readonly #approvalsPending: Gauge;
  #approvalsSource: (() => number | Promise<number>) | null = null;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const source = () => this.#approvalsSource;
    this.#approvalsPending = new Gauge({
      name: 'gatehouse_approvals_pending',
      help: 'Approval requests waiting for a decision (from the approval store; the same in every process)',
      // Every process reads the same store: the cluster total is one reading, not a sum.
      aggregator: 'max',
      registers: [this.registry],
      async collect() {
        const read = source();
        if (!read) return;
        try {
          this.set(await read());
        } catch {
          // The store is unreachable: keep the last reading rather than fail the scrape.
        }
      },
    });
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
  }

  /**
   * Where gatehouse_approvals_pending reads from, at each scrape: the
   * approvals wiring calls this once its store is open (e.g. with a count of
   * pending requests). Until then the gauge reads 0.
   */
  setApprovalsPendingSource(source: () => number | Promise<number>): void {
    this.#approvalsSource = source;
  }
}
