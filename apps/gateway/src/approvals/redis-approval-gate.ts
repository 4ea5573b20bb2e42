import {
  statementFingerprint,
  statementTextHash,
  type ApprovalRequest,
  type ApprovalService,
  type FinalDecision,
} from '@gatehouse/approvals';
import {
  approvalDeniedEvent,
  approvalExecutedEvent,
  approvalExpiredEvent,
  type ApprovalGate,
  type ApprovalGateOutcome,
  type ApprovalGateRequest,
  type ApprovalGateTicket,
  type ApprovalWithdrawReason,
  type AuditTrail,
  type SessionContext,
} from '@gatehouse/sql-core';
import type { Logger } from 'pino';
import type { ApprovalsConfig, GatehouseConfig } from '../config';
import { approversOf, decisionRecords, endRecords, requestedRecord } from './approval-audit';

/** How long close() lets withdrawals already under way finish. */
const CLOSE_WITHDRAW_MS = 3000;

export interface RedisApprovalGateOptions {
  readonly service: ApprovalService;
  readonly audit: AuditTrail;
  /** The current config: approver groups, required, timeout, grant window and rules are read per request. */
  readonly config: () => GatehouseConfig;
  /** The approvals section the service was opened with (used if a reload removed it). */
  readonly initial: ApprovalsConfig;
  readonly logger: Logger;
}

/** A statement this process holds: its request is pending, or approved and about to run. */
interface Held {
  readonly session: SessionContext;
  readonly seq: number;
  approvers: readonly string[] | null;
}

/**
 * The pipeline's approval gate on @gatehouse/approvals. Files a request per
 * held statement (or finds the CI grant for a retry), waits for the decision
 * that may be taken through any instance, and records the request's story in
 * this process's audit trail. Fails closed: any store error rejects, and the
 * pipeline denies.
 */
export class RedisApprovalGate implements ApprovalGate {
  readonly #o: RedisApprovalGateOptions;
  readonly #log: Logger;
  readonly #held = new Map<string, Held>();
  readonly #withdrawing = new Set<Promise<unknown>>();

  constructor(options: RedisApprovalGateOptions) {
    this.#o = options;
    this.#log = options.logger;
  }

  /** Requests this process holds right now (pending or about to run). */
  get held(): number {
    return this.#held.size;
  }

  async request(request: ApprovalGateRequest, signal: AbortSignal): Promise<ApprovalGateTicket> {
    signal.throwIfAborted();
    const { event, statements, ruleId } = request;
    const { session } = event;
    const config = this.#o.config();
    const approvals = config.approvals ?? this.#o.initial;
    const rule = config.policy.rules.find((r) => r.id === ruleId);
    const grantWindowMs = rule?.grant === true ? approvals.grant_window : 0;

    if (grantWindowMs > 0) {
      const grant = await this.#o.service.findGrant({
        subject: session.identity.subject,
        target: session.target,
        database: session.database,
        fingerprint: statementFingerprint(statements),
        textHash: statementTextHash(event.sql),
      });
      if (grant !== null) {
        signal.throwIfAborted();
        const approved = await this.#o.service.get(grant.approvalId).catch(() => null);
        // Recorded here, before the pipeline writes the intent and forwards: a retry under a grant never waits.
        this.#o.audit.note(
          approvalExecutedEvent(session, {
            approvalId: grant.approvalId,
            statementSeq: event.seq,
            approvers: approved ? approversOf(approved) : [],
          }),
        );
        session.logger.info(
          { approvalId: grant.approvalId, rule: ruleId },
          'statement runs under an approval grant',
        );
        return { kind: 'granted', approvalId: grant.approvalId };
      }
    }

    const created = await this.#o.service.create({
      requester: { subject: session.identity.subject, groups: session.identity.groups },
      target: session.target,
      database: session.database,
      sql: event.sql,
      statements,
      ruleId,
      reason: request.reason,
      approvers: request.approvers ?? approvals.approvers,
      required: request.required ?? approvals.required,
      timeoutMs: approvals.timeout,
      allowGrant: grantWindowMs > 0,
      ...(grantWindowMs > 0 ? { grantWindowMs } : {}),
      sessionId: session.id,
    });
    this.#held.set(created.id, { session, seq: event.seq, approvers: null });
    this.#o.audit.note(requestedRecord(session, event.seq, created));
    return { kind: 'pending', approvalId: created.id, expiresAt: created.expiresAt };
  }

  async wait(approvalId: string, signal: AbortSignal): Promise<ApprovalGateOutcome> {
    let decision: FinalDecision;
    try {
      decision = await this.#o.service.waitForDecision(approvalId, signal);
    } catch (err) {
      // Aborted: the pipeline withdraws next. Anything else ends the hold (the pipeline denies).
      if (!signal.aborted) this.#held.delete(approvalId);
      throw err;
    }
    const request = await this.#record(approvalId, decision);
    const held = this.#held.get(approvalId);
    if (decision.status === 'approved' && held) {
      held.approvers = request ? approversOf(request) : decision.by ? [decision.by] : [];
    } else {
      this.#held.delete(approvalId);
    }
    return { status: decision.status, approvalId, by: decision.by, reason: decision.reason };
  }

  async withdraw(approvalId: string, why: ApprovalWithdrawReason): Promise<void> {
    this.#held.delete(approvalId);
    const done = this.#o.service.withdraw(approvalId, why);
    this.#withdrawing.add(done);
    try {
      await done;
    } catch (err) {
      // Nothing will run it: its client is gone. It expires, or this instance withdraws it at its next start.
      this.#log.warn(
        { approvalId, err: (err as Error).message },
        'approval request not withdrawn; it stays pending until it expires',
      );
      throw err;
    } finally {
      this.#withdrawing.delete(done);
    }
  }

  executed(approvalId: string): void {
    const held = this.#held.get(approvalId);
    // A retry under a grant was recorded when the grant was found.
    if (!held) return;
    this.#held.delete(approvalId);
    this.#o.audit.note(
      approvalExecutedEvent(held.session, {
        approvalId,
        statementSeq: held.seq,
        approvers: held.approvers ?? [],
      }),
    );
    this.#o.service
      .recordExecuted(approvalId)
      .catch((err: Error) =>
        this.#log.warn({ approvalId, err: err.message }, 'approval execution not recorded in the store'),
      );
  }

  /**
   * Lets withdrawals under way finish, then withdraws (`shutdown`) what is
   * still held: those clients are being disconnected with the gateway.
   */
  async close(): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.#withdrawing]),
      new Promise((resolve) => setTimeout(resolve, CLOSE_WITHDRAW_MS).unref()),
    ]);
    const ids = [...this.#held.keys()];
    this.#held.clear();
    await Promise.allSettled(
      ids.map((id) =>
        this.#o.service
          .withdraw(id, 'shutdown')
          .catch((err: Error) =>
            this.#log.warn(
              { approvalId: id, err: err.message },
              'approval request not withdrawn at shutdown',
            ),
          ),
      ),
    );
  }

  /**
   * The decisions and the end of a request this process held, into its audit
   * trail, read back from the store (which has every approver, whichever
   * instance took the decision). Answers the request, or null if the read failed.
   */
  async #record(approvalId: string, decision: FinalDecision): Promise<ApprovalRequest | null> {
    if (decision.status === 'withdrawn') return null; // recorded by the instance that withdrew it
    try {
      const request = await this.#o.service.get(approvalId);
      for (const record of [...decisionRecords(request), ...endRecords(request)]) this.#o.audit.note(record);
      return request;
    } catch (err) {
      this.#log.warn(
        { approvalId, err: (err as Error).message },
        'approval decisions not read back for the audit trail',
      );
      const at = new Date(decision.at);
      if (decision.status === 'expired') this.#o.audit.note(approvalExpiredEvent(approvalId, at));
      if (decision.status === 'denied' && decision.by !== null) {
        this.#o.audit.note(
          approvalDeniedEvent({ approvalId, approver: decision.by, reason: decision.reason }, at),
        );
      }
      return null;
    }
  }
}
