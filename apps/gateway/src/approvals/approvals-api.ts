import { ApprovalService } from '@gatehouse/approvals';
import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config';
import type { ControlExtensions } from '../control';
import { approvalRoutes } from '../control/routes/approvals-routes';
import { approvalInstanceId, approvalServiceOptions } from './approval-settings';

export interface ApprovalsApi {
  /** Null when approvals are not configured (the routes answer 503). */
  readonly service: ApprovalService | null;
  /** `extensions` with the /v1/approvals routes added to the authenticated scope. */
  withRoutes(extensions: ControlExtensions | undefined): ControlExtensions;
  close(): Promise<void>;
}

/** Groups that may read every request: admins, the default approvers and every rule's approvers. */
export function approvalViewers(config: GatehouseConfig): string[] {
  return [
    ...new Set([
      ...config.control.admins,
      ...(config.approvals?.approvers ?? []),
      ...config.policy.rules.flatMap((r) => r.approvers ?? []),
    ]),
  ];
}

/**
 * The control API's side of approvals (the single process, or the cluster
 * primary): its own ApprovalService, which reads and decides requests in
 * Redis. A decision reaches the process holding the statement through Redis
 * pub/sub, whichever process that is. This service holds no statements and
 * runs no workers (the engine processes do).
 */
export async function openApprovalsApi(
  config: () => GatehouseConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<ApprovalsApi> {
  const initial = config();
  let service: ApprovalService | null = null;
  if (initial.approvals !== null) {
    service = new ApprovalService(
      approvalServiceOptions(initial.approvals, {
        env,
        logger, // the service names its own component
        instanceId: approvalInstanceId(initial, 'control'),
        engineProcess: false,
      }),
    );
    await service.start();
  }
  const routes = { service, viewers: () => approvalViewers(config()) };
  return {
    service,
    withRoutes: (extensions) => ({
      ...extensions,
      authenticated: [
        ...(extensions?.authenticated ?? []),
        async (scope) => scope.register(approvalRoutes, routes),
      ],
    }),
    close: async () => {
      await service?.close();
    },
  };
}
