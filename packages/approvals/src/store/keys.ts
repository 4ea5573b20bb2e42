import { createHash } from 'node:crypto';
import type { ApprovalStatus } from '../approval-request';

/**
 * Every Redis key the approvals package uses, under one prefix so several
 * deployments (and test runs) can share a Redis without meeting.
 *
 * - `<p>:req:<id>`          hash: the request (static JSON `doc` + mutable fields)
 * - `<p>:req:<id>:history`  list: JSON history entries, oldest first
 * - `<p>:idx:all`           sorted set of ids by creation time (ms)
 * - `<p>:idx:<status>`      sorted set of ids by creation time, one per status
 * - `<p>:grant:<sha256>`    string with a TTL: a CI re-execution grant
 * - `<p>:events`            pub/sub channel: one message per transition
 * - `<p>:bull:*`            BullMQ queues (`expiry`, `notify`)
 */
export class ApprovalKeys {
  readonly channel: string;
  readonly bullPrefix: string;

  constructor(readonly prefix: string) {
    this.channel = `${prefix}:events`;
    this.bullPrefix = `${prefix}:bull`;
  }

  request(id: string): string {
    return `${this.prefix}:req:${id}`;
  }

  history(id: string): string {
    return `${this.prefix}:req:${id}:history`;
  }

  index(status: ApprovalStatus | 'all'): string {
    return `${this.prefix}:idx:${status}`;
  }

  /** One grant per (subject, target, database, exact text); the fingerprint is checked on lookup. */
  grant(subject: string, targetName: string, database: string, textHash: string): string {
    const id = createHash('sha256')
      .update(JSON.stringify([subject, targetName, database, textHash]))
      .digest('hex');
    return `${this.prefix}:grant:${id}`;
  }
}

/** Queue names inside the BullMQ prefix (BullMQ refuses `:` in queue names). */
export const QueueName = { expiry: 'expiry', notify: 'notify' } as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
