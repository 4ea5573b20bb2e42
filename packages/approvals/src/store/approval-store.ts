import type { Redis } from 'ioredis';
import type { ApprovalRequest, ApprovalStatus, DecisionKind, Principal } from '../approval-request';
import type { ApprovalKeys } from './keys';
import {
  CREATE_SCRIPT,
  DECIDE_SCRIPT,
  EXECUTED_SCRIPT,
  TRANSITION_SCRIPT,
  decodeScriptReply,
  type ScriptReply,
} from './lua-scripts';
import { decodeRequest, historyEntryBody, type HistoryEntryInput, type RequestDoc } from './record-codec';
import { asStoreError, whenReady } from './redis-connection';
import { MAX_TIMEOUT_MS } from '../service-options';

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;
interface ScriptCommands {
  gatehouseApprovalCreate: ScriptFn;
  gatehouseApprovalDecide: ScriptFn;
  gatehouseApprovalTransition: ScriptFn;
  gatehouseApprovalExecuted: ScriptFn;
}

/** A request as read, with the Redis clock at the moment of reading. */
export interface StoredRequest {
  readonly request: ApprovalRequest;
  readonly serverNow: number;
}

export interface GrantRecord {
  readonly value: string;
  readonly ttlMs: number;
}

/**
 * The Redis operations on requests: one script per state change, plain reads
 * otherwise. Knows nothing of events, notifications or waiting. Every call
 * fails with `store_unavailable` when Redis is not there.
 */
export class ApprovalStore {
  readonly #redis: Redis;
  readonly #scripts: ScriptCommands;

  constructor(
    redis: Redis,
    readonly keys: ApprovalKeys,
    private readonly retentionMs: number,
    private readonly readyTimeoutMs: number,
  ) {
    this.#redis = redis;
    redis.defineCommand('gatehouseApprovalCreate', { numberOfKeys: 8, lua: CREATE_SCRIPT });
    redis.defineCommand('gatehouseApprovalDecide', { numberOfKeys: 6, lua: DECIDE_SCRIPT });
    redis.defineCommand('gatehouseApprovalTransition', { numberOfKeys: 4, lua: TRANSITION_SCRIPT });
    redis.defineCommand('gatehouseApprovalExecuted', { numberOfKeys: 2, lua: EXECUTED_SCRIPT });
    this.#scripts = redis as unknown as ScriptCommands;
  }

  async #run<T>(op: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.#redis, this.readyTimeoutMs);
      return await op();
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /** Stores a new pending request. Answers the Redis times it was given. */
  create(
    id: string,
    doc: RequestDoc,
    timeoutMs: number,
    grant: { key: string; value: string } | null,
    entry: HistoryEntryInput,
  ): Promise<ScriptReply> {
    const k = this.keys;
    return this.#run(async () =>
      decodeScriptReply(
        await this.#scripts.gatehouseApprovalCreate(
          k.request(id),
          k.history(id),
          k.index('all'),
          k.index('pending'),
          k.index('approved'),
          k.index('denied'),
          k.index('expired'),
          k.index('withdrawn'),
          id,
          JSON.stringify(doc),
          doc.requester.subject,
          JSON.stringify(doc.approverGroups),
          doc.required,
          timeoutMs,
          grant?.key ?? '',
          grant?.value ?? '',
          grant ? doc.grantWindowMs : 0,
          historyEntryBody(entry),
          this.retentionMs,
          doc.holder.instance,
          doc.holder.run,
          k.channel,
          this.retentionMs + MAX_TIMEOUT_MS,
        ),
      ),
    );
  }

  decide(
    id: string,
    decision: DecisionKind,
    by: Principal,
    reason: string,
    instance: string,
    expiredReason: string,
  ): Promise<ScriptReply> {
    const k = this.keys;
    const entry: HistoryEntryInput = {
      type: decision === 'approve' ? 'approved' : 'denied',
      by: by.subject,
      groups: by.groups,
      decision,
      reason,
      instance,
    };
    const expired: HistoryEntryInput = { type: 'expired', by: null, reason: expiredReason };
    return this.#run(async () =>
      decodeScriptReply(
        await this.#scripts.gatehouseApprovalDecide(
          k.request(id),
          k.history(id),
          k.index('pending'),
          k.index('approved'),
          k.index('denied'),
          k.index('expired'),
          id,
          decision,
          by.subject,
          JSON.stringify(by.groups),
          historyEntryBody(entry),
          reason,
          k.channel,
          this.retentionMs,
          historyEntryBody(expired),
          expiredReason,
        ),
      ),
    );
  }

  /** pending -> expired | withdrawn; `requireDue` refuses to expire before `expiresAt` (Redis clock). */
  transition(
    id: string,
    status: 'expired' | 'withdrawn',
    entry: HistoryEntryInput,
    requireDue: boolean,
  ): Promise<ScriptReply> {
    const k = this.keys;
    return this.#run(async () =>
      decodeScriptReply(
        await this.#scripts.gatehouseApprovalTransition(
          k.request(id),
          k.history(id),
          k.index('pending'),
          k.index(status),
          id,
          status,
          historyEntryBody(entry),
          entry.reason ?? '',
          k.channel,
          this.retentionMs,
          requireDue ? '1' : '0',
          entry.by ?? '',
        ),
      ),
    );
  }

  executed(id: string, entry: HistoryEntryInput): Promise<ScriptReply> {
    const k = this.keys;
    return this.#run(async () =>
      decodeScriptReply(
        await this.#scripts.gatehouseApprovalExecuted(
          k.request(id),
          k.history(id),
          id,
          historyEntryBody(entry),
          k.channel,
        ),
      ),
    );
  }

  async read(id: string): Promise<StoredRequest | null> {
    const [found] = await this.readMany([id]);
    return found ?? null;
  }

  /** Reads requests in one round trip; ids that no longer exist are dropped from the indexes. */
  readMany(ids: readonly string[]): Promise<(StoredRequest | null)[]> {
    return this.#run(async () => {
      if (ids.length === 0) return [];
      const tx = this.#redis.multi().time();
      for (const id of ids) tx.hgetall(this.keys.request(id)).lrange(this.keys.history(id), 0, -1);
      const replies = (await tx.exec()) ?? [];
      const failed = replies.find(([err]) => err !== null);
      if (failed) throw failed[0];
      const [sec, micro] = replies[0]?.[1] as [string, string];
      const serverNow = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
      const out: (StoredRequest | null)[] = [];
      const gone: string[] = [];
      ids.forEach((id, i) => {
        const fields = replies[1 + i * 2]?.[1] as Record<string, string>;
        const history = replies[2 + i * 2]?.[1] as string[];
        const request = decodeRequest(id, fields ?? {}, history ?? []);
        if (request === null) gone.push(id);
        out.push(request === null ? null : { request, serverNow });
      });
      if (gone.length > 0) await this.#forget(gone);
      return out;
    });
  }

  /** Ids newest first, from one status index (or all), created strictly before `beforeMs` when given. */
  listIds(status: ApprovalStatus | 'all', limit: number, beforeMs?: number): Promise<string[]> {
    const max = beforeMs === undefined ? '+inf' : `(${beforeMs}`;
    return this.#run(() =>
      this.#redis.zrevrangebyscore(this.keys.index(status), max, '-inf', 'LIMIT', 0, limit),
    );
  }

  /** Every pending request with the gateway instance and run holding it. */
  pendingHolders(): Promise<{ id: string; instance: string; run: string }[]> {
    return this.#run(async () => {
      const ids = await this.#redis.zrange(this.keys.index('pending'), 0, -1);
      if (ids.length === 0) return [];
      const p = this.#redis.pipeline();
      for (const id of ids) p.hmget(this.keys.request(id), 'holder', 'run');
      const replies = (await p.exec()) ?? [];
      return ids.map((id, i) => {
        const [instance, run] = (replies[i]?.[1] as (string | null)[] | undefined) ?? [];
        return { id, instance: instance ?? '', run: run ?? '' };
      });
    });
  }

  getGrant(key: string): Promise<GrantRecord | null> {
    return this.#run(async () => {
      const replies = (await this.#redis.multi().get(key).pttl(key).exec()) ?? [];
      const value = replies[0]?.[1] as string | null;
      const ttlMs = Number(replies[1]?.[1]);
      if (value === null || value === undefined || !(ttlMs > 0)) return null;
      return { value, ttlMs };
    });
  }

  async #forget(ids: readonly string[]): Promise<void> {
    const p = this.#redis.pipeline();
    for (const index of ['all', 'pending', 'approved', 'denied', 'expired', 'withdrawn'] as const) {
      p.zrem(this.keys.index(index), ...ids);
    }
    await p.exec();
  }
}
