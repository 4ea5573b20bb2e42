import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApprovalNotification } from './notify/approval-notification';
import { deliverWebhook, type WebhookJobData } from './notify/webhook-delivery';
import type { NotificationSettings, WebhookTarget } from './notify/webhook-target';
import { QueueName } from './store/keys';

interface ExpiryJobData {
  readonly id: string;
}

/** What the expiry worker asks of the service: expire if due, else say how long is left. */
export type ExpireHandler = (id: string) => Promise<{ notDueMs: number } | null>;

/** Bound on adding a job: BullMQ's connection queues commands while Redis is away. */
const ADD_TIMEOUT_MS = 2000;
/** Bound on waiting, at close, for connections BullMQ is still setting up. */
const SETTLE_TIMEOUT_MS = 2000;

/**
 * The two BullMQ queues of a prefix: `expiry` (one delayed job per request,
 * fired at its expiry) and `notify` (webhook deliveries with retries and
 * exponential backoff), and their workers when this instance runs them.
 */
export class ApprovalQueues {
  readonly #expiry: Queue<ExpiryJobData>;
  readonly #notify: Queue<WebhookJobData>;
  readonly #workers: Worker[] = [];

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly settings: NotificationSettings,
    private readonly logger: Logger,
  ) {
    this.#expiry = new Queue<ExpiryJobData>(QueueName.expiry, { connection, prefix });
    this.#notify = new Queue<WebhookJobData>(QueueName.notify, { connection, prefix });
    for (const q of [this.#expiry, this.#notify]) {
      q.on('error', (err) => logger.debug({ err: err.message, queue: q.name }, 'approval queue error'));
    }
  }

  startWorkers(expire: ExpireHandler, webhooks: ReadonlyMap<string, WebhookTarget>): void {
    if (this.#workers.length > 0) return;
    const expiry = new Worker<ExpiryJobData>(
      QueueName.expiry,
      async (job: Job<ExpiryJobData>, token?: string) => {
        const left = await expire(job.data.id);
        if (left !== null) {
          // The creating instance's clock ran ahead of Redis's: come back when it is due.
          await job.moveToDelayed(Date.now() + left.notDueMs, token);
          throw new DelayedError();
        }
      },
      { connection: this.connection, prefix: this.prefix, concurrency: 4 },
    );
    const notify = new Worker<WebhookJobData>(
      QueueName.notify,
      async (job: Job<WebhookJobData>) => {
        const status = await deliverWebhook(
          webhooks.get(job.data.webhook),
          job.data,
          this.settings.timeoutMs,
        );
        this.logger.debug(
          { webhook: job.data.webhook, approvalId: job.data.notification.approvalId, status },
          'webhook delivered',
        );
      },
      { connection: this.connection, prefix: this.prefix, concurrency: 8 },
    );
    notify.on('failed', (job, err) => {
      const attempts = job?.opts.attempts ?? 1;
      const final = (job?.attemptsMade ?? 0) >= attempts || err.name === 'UnrecoverableError';
      this.logger[final ? 'error' : 'warn'](
        {
          webhook: job?.data.webhook,
          approvalId: job?.data.notification.approvalId,
          attempt: job?.attemptsMade,
          err: err.message,
        },
        final ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
      );
    });
    expiry.on('failed', (job, err) => {
      if (err.name !== 'DelayedError')
        this.logger.warn({ approvalId: job?.data.id, err: err.message }, 'expiry job failed');
    });
    for (const w of [expiry, notify]) {
      w.on('error', (err) => this.logger.debug({ err: err.message, queue: w.name }, 'approval worker error'));
      this.#workers.push(w);
    }
  }

  /** One delayed job per request; its id makes a second schedule of the same request a no-op. */
  scheduleExpiry(id: string, delayMs: number): Promise<void> {
    return this.#bounded(
      this.#expiry.add(
        'expire',
        { id },
        {
          jobId: `expire_${id}`,
          delay: Math.max(0, delayMs),
          attempts: 10,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      ),
    );
  }

  notify(webhook: string, notification: ApprovalNotification): Promise<void> {
    return this.#bounded(
      this.#notify.add(
        'webhook',
        { webhook, notification },
        {
          attempts: this.settings.attempts,
          backoff: { type: 'exponential', delay: this.settings.backoffMs },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      ),
    );
  }

  async close(): Promise<void> {
    // BullMQ closing a connection it is still initialising (a worker's blocking connection,
    // made when the worker starts) emits an 'error' that no listener is left to take, which
    // throws out of the process: let the set-up finish first.
    await this.#settled([...this.#workers, this.#expiry, this.#notify].map((q) => q.waitUntilReady()));
    await Promise.allSettled(this.#workers.map((w) => w.close()));
    this.#workers.length = 0;
    await Promise.allSettled([this.#expiry.close(), this.#notify.close()]);
  }

  async #settled(work: readonly Promise<unknown>[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(work),
      new Promise((resolve) => {
        timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  async #bounded(add: Promise<unknown>): Promise<void> {
    add.catch(() => undefined); // a late failure after the timeout is already reported
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`queue did not accept the job within ${ADD_TIMEOUT_MS} ms`)),
        ADD_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([add, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
