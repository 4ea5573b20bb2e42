import { ApprovalService } from '@gatehouse/approvals';
import { approvalWithdrawnEvent, type ApprovalWithdrawReason, type AuditTrail } from '@gatehouse/sql-core';
import type { GatewayServices } from '../runtime/engine-wiring';
import { approvalInstanceId, approvalServiceOptions } from './approval-settings';
import { RedisApprovalGate } from './redis-approval-gate';

export interface OpenApprovalGate {
  readonly gate: RedisApprovalGate;
  readonly service: ApprovalService;
  /** Withdraws what this process still holds, then closes the Redis connections. */
  close(): Promise<void>;
}

/**
 * The approval gate of one engine process (workerId 0 single, 1..N workers),
 * or null when approvals are not configured. Its service runs the expiry and
 * webhook workers and, once Redis answers, withdraws the requests this
 * process held in an earlier run (their clients are gone). An unreachable
 * Redis does not stop the start: statements that need review are denied
 * until it answers.
 */
export async function openApprovalGate(
  services: Pick<GatewayServices, 'config' | 'logger'>,
  workerId: number,
  audit: AuditTrail,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OpenApprovalGate | null> {
  const config = services.config();
  if (config.approvals === null) return null;
  const logger = services.logger.child({ component: 'approvals' });
  const service = new ApprovalService(
    approvalServiceOptions(config.approvals, {
      env,
      logger: services.logger, // the service names its own component
      instanceId: approvalInstanceId(config, { worker: workerId }),
      engineProcess: true,
      // Withdrawals are recorded by the process that made them (the gate's, or the start-up sweep's).
      onEvent: (e) => {
        if (e.type === 'withdrawn') {
          audit.note(
            approvalWithdrawnEvent(e.approvalId, e.reason as ApprovalWithdrawReason, new Date(e.at)),
          );
        }
      },
    }),
  );
  const gate = new RedisApprovalGate({
    service,
    audit,
    config: () => services.config(),
    initial: config.approvals,
    logger,
  });
  await service.start();
  if (!service.storeReachable)
    logger.warn('approval store not reachable; statements that need review are denied until it is');
  return {
    gate,
    service,
    close: async () => {
      await gate.close();
      await service.close();
    },
  };
}
