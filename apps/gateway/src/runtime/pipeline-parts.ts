import { AuditTrail, type ApprovalGate, type MaskPlanner } from '@gatehouse/sql-core';
import { openApprovalGate } from '../approvals/open-approval-gate';
import { openMaskPlanner } from '../masking';
import { openAuditSinks, wantsFullText } from '../audit';
import { auditObservers, metricsOf } from '../metrics';
import type { GatewayServices } from './engine-wiring';

/** What the pipeline of one process is built from, besides analysis and policy. */
export interface PipelineParts {
  readonly audit: AuditTrail;
  readonly approvals: ApprovalGate | null;
  readonly masking: MaskPlanner | null;
  /** Flushes and closes what the parts opened (audit files, Redis connections). */
  close(): Promise<void>;
}

/**
 * Opens the audit sinks, the approval gate and the mask planner for this
 * process (workerId 0 in a single process, 1..N in cluster workers).
 */
export async function openPipelineParts(services: GatewayServices, workerId: number): Promise<PipelineParts> {
  const config = services.config();
  const sink = await openAuditSinks(config.audit, services.logger, workerId, auditObservers(services, metricsOf(services)));
  const audit = new AuditTrail(
    { sink, onFailure: config.audit.on_failure, keepFullText: wantsFullText(config.audit) },
    services.logger.child({ component: 'audit' }),
  );
  const approvals = await openApprovalGate(services, workerId, audit).catch(async (err: unknown) => {
    await sink.close();
    throw err;
  });
  return {
    audit,
    approvals: approvals?.gate ?? null,
    masking: await openMaskPlanner(services),
    close: async () => {
      await approvals?.close();
      await sink.close();
    },
  };
}
