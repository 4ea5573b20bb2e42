import type { ApprovalEventType } from '../approval-request';

/** How a webhook body is shaped. */
export const WebhookFormat = {
  /** The `ApprovalNotification` object as JSON. */
  json: 'json',
  /** A Slack incoming-webhook message: `{ "text": "..." }`. */
  slack: 'slack',
} as const;
export type WebhookFormat = (typeof WebhookFormat)[keyof typeof WebhookFormat];

/** One configured receiver (`approvals.webhooks[]`). */
export interface WebhookTarget {
  /** Unique; jobs in Redis carry only this name, so URLs and headers (secrets) stay in the config. */
  readonly name: string;
  readonly url: string;
  readonly format: WebhookFormat;
  /** Events sent; `DEFAULT_WEBHOOK_EVENTS` when absent. */
  readonly events?: readonly ApprovalEventType[];
  /** Extra request headers, e.g. an authorization header. */
  readonly headers?: Readonly<Record<string, string>>;
}

export const DEFAULT_WEBHOOK_EVENTS: readonly ApprovalEventType[] = [
  'requested',
  'approved',
  'denied',
  'expired',
  'withdrawn',
];

/** Delivery of notifications (`approvals.notifications`). */
export interface NotificationSettings {
  /** Attempts per delivery, the first included. */
  readonly attempts: number;
  /** Delay before the first retry; doubled for each retry after it (exponential backoff). */
  readonly backoffMs: number;
  /** Bound on one HTTP request. */
  readonly timeoutMs: number;
  /** Base URL of the control API, for links in messages (`https://gatehouse.example.com`). */
  readonly controlUrl?: string;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  attempts: 5,
  backoffMs: 1000,
  timeoutMs: 5000,
};

export function wantsEvent(target: WebhookTarget, type: ApprovalEventType): boolean {
  return (target.events ?? DEFAULT_WEBHOOK_EVENTS).includes(type);
}
