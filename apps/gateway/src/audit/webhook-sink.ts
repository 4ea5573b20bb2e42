import type { AuditWebhookConfig } from '../config';
import type { AuditReplica, ReplicatedRecord } from './replica-queue';

/** Response bodies are not needed; a collector that sends megabytes back is cut off. */
const MAX_ERROR_BODY = 512;

/**
 * POSTs batches of records as JSON to a collector (SIEM, log pipeline):
 *
 *   {"source":"gatehouse","chain":"host:audit.w1","records":[<record>, ...]}
 *
 * where each record is the exact object of the file line (seq, prev, type,
 * time, ...). Any 2xx is success; anything else, a timeout or a network
 * error rejects and the queue retries the same batch with backoff, so a
 * collector may see a batch twice: deduplicate on (chain, seq).
 */
export class WebhookAuditReplica implements AuditReplica {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(config: AuditWebhookConfig, env: NodeJS.ProcessEnv) {
    const url = config.url ?? (config.url_env !== null ? env[config.url_env] : undefined);
    if (!url)
      throw new Error(
        `audit.webhook.url_env: ${config.url_env} is not set; export it with the collector URL`,
      );
    this.#url = url;
    this.#headers = { 'content-type': 'application/json', 'user-agent': 'gatehouse-audit' };
    for (const [header, envName] of Object.entries(config.headers_env)) {
      const value = env[envName];
      if (value === undefined) throw new Error(`audit.webhook.headers_env.${header}: ${envName} is not set`);
      this.#headers[header.toLowerCase()] = value;
    }
    this.#timeoutMs = config.timeout;
  }

  async deliver(batch: readonly ReplicatedRecord[]): Promise<void> {
    const chain = batch[0]?.chain ?? '';
    // The lines are canonical JSON already: splice them rather than re-serialise.
    const body = `{"source":"gatehouse","chain":${JSON.stringify(chain)},"records":[${batch.map((r) => r.line).join(',')}]}`;
    const response = await fetch(this.#url, {
      method: 'POST',
      headers: this.#headers,
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
      redirect: 'error',
    });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const text = (await response.text().catch(() => '')).slice(0, MAX_ERROR_BODY);
    // The URL may carry a token: the error names the status only.
    throw new Error(
      `the collector answered ${response.status}${text ? `: ${text.replace(/\s+/g, ' ')}` : ''}`,
    );
  }

  async close(): Promise<void> {
    // fetch keeps no connection we own.
  }
}
