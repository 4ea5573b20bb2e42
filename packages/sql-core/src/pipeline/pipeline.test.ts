import pino from 'pino';
import { createPostgresAnalyser, type PostgresAnalyser } from '../analysis';
import type { AuditEvent } from '../audit/audit-event';
import type { AuditSink } from '../audit/audit-sink';
import { session } from '../audit/testing/audit-fixtures';
import { GatewayError } from '../errors/gateway-error';
import { compilePolicy } from '../policy';
import { PreparedStatements } from '../session/prepared-statements';
import type { ApprovalGate, ApprovalGateOutcome, ApprovalGateTicket } from './approval-gate';
import { AuditTrail } from './audit-trail';
import type { Decision } from './decision';
import { Pipeline } from './pipeline';
import type { StatementHooks } from './statement-hooks';
import type { StatementEvent } from './statement-event';

const logger = pino({ level: 'silent' });

/** Records events in memory; `mode` picks the sink's fast path, slow path or failure. */
class MemorySink implements AuditSink {
  readonly events: AuditEvent[] = [];
  healthy = true;
  constructor(private readonly mode: 'now' | 'async' | 'failing' = 'now') {}
  writeNow(event: AuditEvent): void | Promise<void> {
    if (this.mode === 'failing') throw new Error('disk full');
    if (this.mode === 'async') return this.write(event);
    this.events.push(event);
  }
  async write(event: AuditEvent): Promise<void> {
    if (this.mode === 'failing') throw new Error('disk full');
    this.events.push(event);
  }
  async close(): Promise<void> {}
}

/** The ApprovalGate port in memory: the test decides each request's fate. */
class MemoryGate implements ApprovalGate {
  readonly withdrawn: string[] = [];
  readonly executedIds: string[] = [];
  ticket: ApprovalGateTicket | Error = {
    kind: 'pending',
    approvalId: 'apr_1',
    expiresAt: '2030-01-01T00:00:00Z',
  };
  outcome: ApprovalGateOutcome | 'never' = {
    status: 'approved',
    approvalId: 'apr_1',
    by: 'bob',
    reason: 'ok',
  };
  async request(): Promise<ApprovalGateTicket> {
    if (this.ticket instanceof Error) throw this.ticket;
    return this.ticket;
  }
  wait(_id: string, signal: AbortSignal): Promise<ApprovalGateOutcome> {
    const outcome = this.outcome;
    if (outcome !== 'never') return Promise.resolve(outcome);
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  }
  async withdraw(id: string): Promise<void> {
    this.withdrawn.push(id);
  }
  executed(id: string): void {
    this.executedIds.push(id);
  }
}

const RULES = [
  { id: 'no-guardrails', when: { guardrails: ['*'] }, action: 'deny' },
  { id: 'ddl-review', when: { kinds: ['ddl'] }, action: 'review', reason: 'schema change' },
  { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
  { id: 'writes', when: { kinds: ['write'], groups: ['dev'] }, action: 'allow' },
];

describe('Pipeline', () => {
  let analyser: PostgresAnalyser;
  beforeAll(async () => {
    analyser = await createPostgresAnalyser();
  });

  function pipeline(
    options: { sink?: MemorySink; onFailure?: 'refuse' | 'allow'; gate?: ApprovalGate } = {},
  ) {
    const audit = options.sink
      ? new AuditTrail({ sink: options.sink, onFailure: options.onFailure ?? 'refuse' }, logger)
      : null;
    return new Pipeline({
      analysers: { postgres: analyser },
      policy: compilePolicy(RULES),
      logger,
      audit,
      approvals: options.gate ?? null,
    });
  }

  let seq = 0;
  const event = (sql: string, prepared?: PreparedStatements): StatementEvent => ({
    session: session({ logger }),
    seq: ++seq,
    sql,
    source: 'simple',
    inTransaction: false,
    ...(prepared ? { prepared } : {}),
  });

  it('allows, and records the intent before answering, synchronously when the sink writes at once', () => {
    const sink = new MemorySink('now');
    const d = pipeline({ sink }).onStatement(event('select * from accounts where id = 1')) as Decision;
    expect(d).toMatchObject({ action: 'allow', ruleId: 'reads' });
    expect(sink.events.map((e) => [e.type, (e as { decision?: string }).decision])).toEqual([
      ['statement.intent', 'allow'],
    ]);
  });

  it('waits for a sink that writes asynchronously', async () => {
    const sink = new MemorySink('async');
    const d = pipeline({ sink }).onStatement(event('select 1 from t'));
    expect(d).toBeInstanceOf(Promise);
    await expect(d).resolves.toMatchObject({ action: 'allow' });
    expect(sink.events).toHaveLength(1);
  });

  it('denies guardrails, unknown statements and what no rule allows, recording each', () => {
    const sink = new MemorySink();
    const p = pipeline({ sink });
    expect(p.onStatement(event('drop table accounts'))).toMatchObject({
      action: 'deny',
      ruleId: 'no-guardrails',
      code: 'policy_denied',
    });
    // A deny rule with no who/where conditions stops unknown statements too (docs/policy.md).
    expect(p.onStatement(event('selec 1'))).toMatchObject({
      action: 'deny',
      ruleId: 'no-guardrails',
      code: 'analysis_failed',
    });
    expect(p.onStatement(event('analyze t'))).toMatchObject({
      action: 'deny',
      ruleId: 'default-deny',
      code: 'policy_denied',
    });
    expect(sink.events.map((e) => (e as { decision?: string }).decision)).toEqual(['deny', 'deny', 'deny']);
  });

  it('judges a multi-statement string by its strictest statement', () => {
    const p = pipeline();
    expect(p.onStatement(event('select 1; delete from t'))).toMatchObject({
      action: 'deny',
      ruleId: 'no-guardrails',
    });
    expect(p.onStatement(event('select 1; select 2'))).toMatchObject({ action: 'allow' });
  });

  it('refuses an allowed statement whose intent cannot be written, unless on_failure is allow', () => {
    expect(pipeline({ sink: new MemorySink('failing') }).onStatement(event('select 1'))).toMatchObject({
      action: 'deny',
      code: 'audit_unavailable',
    });
    expect(
      pipeline({ sink: new MemorySink('failing'), onFailure: 'allow' }).onStatement(event('select 1')),
    ).toMatchObject({
      action: 'allow',
    });
  });

  it('denies a review when approvals are not configured', () => {
    expect(pipeline().onStatement(event('create table x (id int)'))).toMatchObject({
      action: 'deny',
      code: 'approval_denied',
      reason: expect.stringMatching(/approvals are not configured/),
    });
  });

  describe('review', () => {
    const hooks = (): StatementHooks & { notices: string[]; controller: AbortController } => {
      const controller = new AbortController();
      const notices: string[] = [];
      return { notices, controller, signal: controller.signal, notice: (m) => void notices.push(m) };
    };

    it('tells the client the approval id at once, then runs once approved', async () => {
      const gate = new MemoryGate();
      const sink = new MemorySink();
      const h = hooks();
      const d = await pipeline({ gate, sink }).onStatement(event('create table x (id int)'), h);
      expect(h.notices[0]).toMatch(/apr_1/);
      expect(d).toMatchObject({ action: 'allow', approvalId: 'apr_1' });
      expect(gate.executedIds).toEqual(['apr_1']);
      expect(sink.events.map((e) => (e as { decision?: string }).decision)).toEqual(['review']);
    });

    it('denies with the decider and reason, or on expiry', async () => {
      const gate = new MemoryGate();
      gate.outcome = {
        status: 'denied',
        approvalId: 'apr_1',
        by: 'carol',
        reason: 'not during business hours',
      };
      await expect(
        pipeline({ gate }).onStatement(event('create table x (id int)'), hooks()),
      ).resolves.toMatchObject({
        action: 'deny',
        reason: expect.stringMatching(/denied by carol: not during business hours/),
      });
      gate.outcome = { status: 'expired', approvalId: 'apr_1', by: null, reason: null };
      await expect(
        pipeline({ gate }).onStatement(event('create table x (id int)'), hooks()),
      ).resolves.toMatchObject({
        action: 'deny',
        reason: expect.stringMatching(/expired/),
      });
    });

    it('withdraws the request when the client cancels while waiting', async () => {
      const gate = new MemoryGate();
      gate.outcome = 'never';
      const h = hooks();
      const d = pipeline({ gate }).onStatement(event('create table x (id int)'), h);
      await new Promise((r) => setImmediate(r));
      h.controller.abort(new Error('cancel'));
      await expect(d).rejects.toBeInstanceOf(GatewayError);
      await expect(d).rejects.toMatchObject({ code: 'canceled' });
      expect(gate.withdrawn).toEqual(['apr_1']);
    });

    it('runs a granted retry at once, and denies when the store is unreachable', async () => {
      const gate = new MemoryGate();
      gate.ticket = { kind: 'granted', approvalId: 'apr_9' };
      const h = hooks();
      await expect(
        pipeline({ gate }).onStatement(event('create table x (id int)'), h),
      ).resolves.toMatchObject({
        action: 'allow',
        approvalId: 'apr_9',
      });
      expect(h.notices).toEqual([]);
      gate.ticket = new Error('ECONNREFUSED');
      await expect(
        pipeline({ gate }).onStatement(event('create table x (id int)'), hooks()),
      ).resolves.toMatchObject({
        action: 'deny',
        reason: expect.stringMatching(/unreachable/),
      });
    });
  });

  it('judges SQL-level EXECUTE as the statement it runs, and never a denied PREPARE', () => {
    const p = pipeline();
    const prepared = new PreparedStatements();
    expect(p.onStatement(event('prepare del as delete from t', prepared))).toMatchObject({ action: 'deny' });
    expect(p.onStatement(event('execute del', prepared))).toMatchObject({ action: 'deny' });
    expect(p.onStatement(event('prepare q as select * from t where id = $1', prepared))).toMatchObject({
      action: 'allow',
    });
    expect(p.onStatement(event('execute q(1)', prepared))).toMatchObject({
      action: 'allow',
      ruleId: 'reads',
    });
    expect(p.onStatement(event('deallocate q', prepared))).toMatchObject({ action: 'deny' });
  });
});
