import type { Logger } from 'pino';
import type { ApprovalEvent, ApprovalEventListener } from './approval-event';
import type { ApprovalQueues } from './approval-queues';
import type { ApprovalEventType, ApprovalRequest, Principal } from './approval-request';
import { buildNotification } from './notify/approval-notification';
import { wantsEvent, type NotificationSettings, type WebhookTarget } from './notify/webhook-target';

/**
 * Hands each event to the listeners (the audit trail) and queues a webhook
 * job per interested webhook. Neither can fail the operation that caused the
 * event: failures are logged.
 */
export class EventDispatch {
  readonly #listeners = new Set<ApprovalEventListener>();

  constructor(
    private readonly webhooks: ReadonlyMap<string, WebhookTarget>,
    private readonly settings: NotificationSettings,
    private readonly queues: () => ApprovalQueues | null,
    private readonly logger: Logger,
  ) {}

  add(listener: ApprovalEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async emit(
    type: ApprovalEventType,
    request: ApprovalRequest,
    actor: Principal | null,
    reason: string | null,
    at: string,
  ): Promise<void> {
    const event: ApprovalEvent = { type, approvalId: request.id, at, actor, reason, request };
    const results = await Promise.allSettled([...this.#listeners].map(async (l) => l(event)));
    for (const r of results) {
      if (r.status === 'rejected') {
        this.logger.error(
          { err: (r.reason as Error)?.message, approvalId: request.id, type },
          'approval event listener failed',
        );
      }
    }
    const targets = [...this.webhooks.values()].filter((w) => wantsEvent(w, type));
    if (targets.length === 0) return;
    const queues = this.queues();
    if (queues === null) {
      this.logger.warn(
        { approvalId: request.id, type },
        'notification queue not connected; webhooks not sent',
      );
      return;
    }
    const notification = buildNotification(event, this.settings.controlUrl);
    await Promise.all(
      targets.map((w) =>
        queues
          .notify(w.name, notification)
          .catch((err: Error) =>
            this.logger.warn(
              { webhook: w.name, approvalId: request.id, err: err.message },
              'notification not queued',
            ),
          ),
      ),
    );
  }
}
