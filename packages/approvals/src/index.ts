export * from './approval-request';
export * from './approval-error';
export * from './approval-event';
export { ApprovalService, type ListOptions } from './approval-service';
export type { ApprovalServiceOptions, ApprovalDefaults } from './service-options';
export { MAX_TIMEOUT_MS, MAX_REQUIRED } from './service-options';
export type { ApprovalGrant, GrantQuery } from './grant';
export { statementTextHash, statementFingerprint, summariseStatement } from './statement-hash';
export { newApprovalId, isApprovalId, ulid } from './ulid';
export * from './notify/webhook-target';
export {
  buildNotification,
  slackText,
  webhookBody,
  type ApprovalNotification,
} from './notify/approval-notification';
export { ApprovalKeys } from './store/keys';
