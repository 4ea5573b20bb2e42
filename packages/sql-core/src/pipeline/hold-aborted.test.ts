import pino from 'pino';
import { createPostgresAnalyser, type PostgresAnalyser } from '../analysis';
import type { ApprovalWithdrawReason, SessionEndReason } from '../audit/audit-event';
import { session } from '../audit/testing/audit-fixtures';
import { GatewayError } from '../errors/gateway-error';
import { compilePolicy } from '../policy';
import {
  HoldAborted,
  withdrawReasonOf,
  type ApprovalGate,
  type ApprovalGateOutcome,
  type ApprovalGateTicket,
} from './approval-gate';
import { Pipeline } from './pipeline';

const logger = pino({ level: 'silent' });

/** Never decides: the statement waits until its signal is aborted; records withdrawals. */
class WaitingGate implements ApprovalGate {
  readonly withdrawn: [string, ApprovalWithdrawReason][] = [];
  async request(): Promise<ApprovalGateTicket> {
    return { kind: 'pending', approvalId: 'apr_1', expiresAt: '2030-01-01T00:00:00Z' };
  }
  wait(_id: string, signal: AbortSignal): Promise<ApprovalGateOutcome> {
    return new Promise((_resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason));
    });
  }
  async withdraw(id: string, why: ApprovalWithdrawReason): Promise<void> {
    this.withdrawn.push([id, why]);
  }
  executed(): void {}
}

/** A held statement's request is withdrawn with the cause its engine aborted it with. */
describe('why a held statement stopped waiting', () => {
  let analyser: PostgresAnalyser;
  beforeAll(async () => {
    analyser = await createPostgresAnalyser();
  });

  const SESSION_ENDS: [SessionEndReason, ApprovalWithdrawReason][] = [
    ['client_closed', 'session_closed'],
    ['upstream_closed', 'session_closed'],
    ['protocol_error', 'session_closed'],
    ['error', 'session_closed'],
    ['terminated', 'terminated'],
    ['shutdown', 'shutdown'],
  ];

  it.each(SESSION_ENDS)('a session ended by %s withdraws as %s', (end, why) => {
    expect(withdrawReasonOf(HoldAborted.sessionEnded(end, 'the session ended'))).toBe(why);
  });

  it('a cancel is canceled; an abort that names no cause too', () => {
    expect(withdrawReasonOf(new HoldAborted('canceled', 'canceling'))).toBe('canceled');
    expect(withdrawReasonOf(new GatewayError('canceled', 'x'))).toBe('canceled');
    expect(withdrawReasonOf(undefined)).toBe('canceled');
  });

  it.each<[string, ApprovalWithdrawReason, HoldAborted]>([
    ['cancel', 'canceled', new HoldAborted('canceled', 'canceling statement due to user request')],
    ['disconnect', 'session_closed', HoldAborted.sessionEnded('client_closed', 'gone')],
    ['termination', 'terminated', HoldAborted.sessionEnded('terminated', 'ended')],
    ['shutdown', 'shutdown', HoldAborted.sessionEnded('shutdown', 'stopping')],
  ])('through the pipeline: a %s withdraws the request as %s', async (_label, why, abort) => {
    const gate = new WaitingGate();
    const pipeline = new Pipeline({
      analysers: { postgres: analyser },
      policy: compilePolicy([{ id: 'ddl', when: { kinds: ['ddl'] }, action: 'review' }]),
      logger,
      audit: null,
      approvals: gate,
    });
    const controller = new AbortController();
    const decided = pipeline.onStatement(
      {
        session: session({ logger }),
        seq: 1,
        sql: 'alter table t add column c int',
        source: 'simple',
        inTransaction: false,
      },
      { notice: () => controller.abort(abort), signal: controller.signal },
    );
    await expect(decided).rejects.toMatchObject({ code: 'canceled' });
    expect(gate.withdrawn).toEqual([['apr_1', why]]);
  });
});
