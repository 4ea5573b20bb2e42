import { UnrecoverableError } from 'bullmq';
import type { ApprovalNotification } from './approval-notification';
import { webhookBody } from './approval-notification';
import type { WebhookTarget } from './webhook-target';

/** Data of one `notify` job. Only the webhook's name is stored: its URL and headers may be secrets. */
export interface WebhookJobData {
  readonly webhook: string;
  readonly notification: ApprovalNotification;
}

/**
 * Posts one notification. Resolves on a 2xx answer. Throws to have BullMQ
 * retry (network error, timeout, 5xx, 408, 429), or `UnrecoverableError` when
 * retrying cannot help (unknown webhook, other 4xx).
 */
export async function deliverWebhook(
  target: WebhookTarget | undefined,
  data: WebhookJobData,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  if (target === undefined)
    throw new UnrecoverableError(`webhook ${data.webhook} is not configured on this gateway`);
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'gatehouse-approvals', ...target.headers },
      body: webhookBody(data.notification, target.format),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      redirect: 'error',
    });
  } catch (err) {
    // Network failures and timeouts are worth a retry; the URL (a secret for Slack) is not repeated.
    const e = err as { name?: string; message?: string };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.message ?? String(err));
    throw new Error(`webhook ${target.name} failed: ${why}`, { cause: err });
  }
  // Drain the body so the connection can be reused; its content is not needed.
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return res.status;
  const message = `webhook ${target.name} answered HTTP ${res.status}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    throw new UnrecoverableError(message);
  }
  throw new Error(message);
}
