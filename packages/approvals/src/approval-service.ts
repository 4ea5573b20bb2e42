import type { ApprovalWithdrawReason } from '@gatehouse/sql-core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApprovalError, decisionRefusal } from './approval-error';
import type { ApprovalEventListener } from './approval-event';
import { ApprovalQueues } from './approval-queues';
import type {
  ApprovalRequest,
  ApprovalStatus,
  CreateApprovalInput,
  DecisionInput,
  DecisionKind,
  FinalDecision,
  Principal,
} from './approval-request';
import { grantRecord, parseGrant, type ApprovalGrant, type GrantQuery } from './grant';
import { EventDispatch } from './event-dispatch';
import { checkCreate, checkDecision, checkId, finalDecisionOf, newRequestDoc } from './request-input';
import { resolveOptions, type ApprovalServiceOptions, type ResolvedOptions } from './service-options';
import { ApprovalStore } from './store/approval-store';
import { ApprovalKeys } from './store/keys';
import type { HistoryEntryInput } from './store/record-codec';
import { closeConnection, createConnection, whenReady } from './store/redis-connection';
import { EXPIRED_REASON, RequestExpiry } from './request-expiry';
import { newApprovalId, ulid } from './ulid';
import { DecisionHub, type CheckResult } from './waiting/decision-hub';

const CLOSE_TIMEOUT_MS = 5000;
/** sql-core's `ApprovalWithdrawReason` values (types only may be imported from sql-core); a new one fails to compile here. */
const WITHDRAW_REASONS: readonly string[] = Object.keys({
  canceled: true,
  session_closed: true,
  terminated: true,
  shutdown: true,
} satisfies Record<ApprovalWithdrawReason, true>);

export interface ListOptions {
  readonly status?: ApprovalStatus;
  /** Newest first; default 50, at most 500. */
  readonly limit?: number;
  /** Only requests created strictly before this time (ISO-8601): the next page. */
  readonly before?: string;
}

/**
 * Approval requests on Redis: create, read, decide, wait, expire, withdraw,
 * grants for CI retries, events and webhook notifications. One per gateway
 * process; every instance sharing the Redis and the key prefix sees the same
 * requests, and a decision taken on any of them reaches the one waiting.
 */
export class ApprovalService {
  readonly instanceId: string;
  /** New at every construction: tells this run's requests from an earlier run's. */
  readonly runId: string;
  readonly #o: ResolvedOptions;
  readonly #log: Logger;
  readonly #keys: ApprovalKeys;
  readonly #command: Redis;
  readonly #subscriber: Redis;
  readonly #bull: Redis;
  readonly #store: ApprovalStore;
  readonly #hub: DecisionHub;
  /** Made once the BullMQ connection is first ready: BullMQ misbehaves on close if it never connected. */
  #queues: ApprovalQueues | null = null;
  readonly #events: EventDispatch;
  readonly #expiry: RequestExpiry;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: ApprovalServiceOptions) {
    this.#o = resolveOptions(options);
    this.#log = options.logger.child({ component: 'approvals' });
    this.instanceId = this.#o.instanceId;
    this.runId = ulid();
    this.#events = new EventDispatch(this.#o.webhooks, this.#o.notifications, () => this.#queues, this.#log);
    if (options.onEvent) this.#events.add(options.onEvent);
    this.#keys = new ApprovalKeys(this.#o.keyPrefix);
    const settings = {
      url: this.#o.redis,
      options: this.#o.redisOptions,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      commandTimeoutMs: this.#o.commandTimeoutMs,
    };
    this.#command = createConnection(settings, 'command', this.#log);
    this.#subscriber = createConnection(settings, 'subscriber', this.#log);
    this.#bull = createConnection(settings, 'bullmq', this.#log);
    this.#store = new ApprovalStore(this.#command, this.#keys, this.#o.retentionMs, this.#o.connectTimeoutMs);
    this.#expiry = new RequestExpiry(this.#store, this.#events, this.#log);
    this.#hub = new DecisionHub({
      subscriber: this.#subscriber,
      channel: this.#keys.channel,
      logger: this.#log,
      recheckIntervalMs: this.#o.recheckIntervalMs,
      check: (ids) => this.#check(ids),
      expire: async (id) => {
        const r = await this.#expiry.expire(id);
        return 'notDueMs' in r ? r.notDueMs : (finalDecisionOf(r.request) ?? 0);
      },
    });
  }

  /**
   * Connects, starts the workers (unless `runWorkers: false`) and withdraws
   * this instance's requests from an earlier run. Never fails because Redis is
   * away: it keeps connecting in the background, and operations fail with
   * `store_unavailable` meanwhile.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'started';
    if (this.#o.withdrawOrphansOnStart) {
      this.#command.once('ready', () => {
        this.withdrawOrphans().catch((err: Error) =>
          this.#log.warn({ err: err.message }, 'orphan sweep failed'),
        );
      });
    }
    this.#bull.once('ready', () => {
      if (this.#state !== 'started') return;
      const queues = new ApprovalQueues(this.#bull, this.#keys.bullPrefix, this.#o.notifications, this.#log);
      if (this.#o.runWorkers) queues.startWorkers((id) => this.#expiry.forWorker(id), this.#o.webhooks);
      this.#queues = queues;
    });
    this.#command
      .connect()
      .catch((err: Error) =>
        this.#log.warn({ err: err.message }, 'approval store not reachable at start; retrying'),
      );
    this.#bull.connect().catch(() => undefined);
    await this.#hub.start();
    await Promise.all([
      whenReady(this.#command, this.#o.connectTimeoutMs).catch(() => undefined),
      whenReady(this.#bull, this.#o.connectTimeoutMs).catch(() => undefined),
    ]);
  }

  /** Ends waits (`closed`), stops the workers and closes every connection. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#hub.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#queues?.close(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    await Promise.all([
      closeConnection(this.#command),
      closeConnection(this.#subscriber),
      closeConnection(this.#bull),
    ]);
  }

  /** True while the command connection to Redis is up (for `/readyz` and metrics). */
  get storeReachable(): boolean {
    return this.#command.status === 'ready';
  }

  /** Statements waiting on this instance. */
  get waiting(): number {
    return this.#hub.size;
  }

  /** Adds a listener for every event this instance causes; answers a function that removes it. */
  onEvent(listener: ApprovalEventListener): () => void {
    return this.#events.add(listener);
  }

  /** Stores a new pending request, schedules its expiry and notifies approvers. */
  async create(input: CreateApprovalInput): Promise<ApprovalRequest> {
    const settings = checkCreate(input, this.#o);
    const id = newApprovalId();
    const doc = newRequestDoc(input, settings, { instance: this.instanceId, run: this.runId });
    const requester = doc.requester;
    const grant = settings.grantWindowMs > 0 ? grantRecord(id, doc, this.#keys) : null;
    const entry: HistoryEntryInput = {
      type: 'requested',
      by: requester.subject,
      groups: requester.groups,
      reason: input.reason,
      instance: this.instanceId,
    };
    const reply = await this.#store.create(id, doc, settings.timeoutMs, grant, entry);
    if (reply.outcome !== 'ok')
      throw new ApprovalError('store_unavailable', `approval ${id} could not be stored (${reply.outcome})`);
    const expiresAtMs = reply.extra;
    this.#expiry.remember(id, { expiresAtMs, now: reply.at });
    (
      this.#queues?.scheduleExpiry(id, expiresAtMs - reply.at) ??
      Promise.reject(new Error('queues not connected'))
    ).catch((err: Error) =>
      this.#log.warn({ approvalId: id, err: err.message }, 'expiry job not scheduled; expiry stays lazy'),
    );
    const at = new Date(reply.at).toISOString();
    const request: ApprovalRequest = {
      id,
      status: 'pending',
      ...doc,
      createdAt: at,
      expiresAt: new Date(expiresAtMs).toISOString(),
      decidedAt: null,
      executedAt: null,
      approvals: 0,
      decisions: [],
      history: [{ ...entry, at }],
    };
    this.#log.info(
      { approvalId: id, rule: input.ruleId, requester: requester.subject, target: doc.target.name },
      'approval requested',
    );
    await this.#events.emit('requested', request, requester, input.reason, at);
    return request;
  }

  /** The request; `not_found` when there is none. A pending request past its expiry is expired first. */
  async get(id: string): Promise<ApprovalRequest> {
    checkId(id);
    const stored = await this.#store.read(id);
    if (stored === null)
      throw new ApprovalError('not_found', `approval ${id} does not exist`, { approvalId: id });
    const { request, serverNow } = stored;
    if (request.status === 'pending' && serverNow >= Date.parse(request.expiresAt)) {
      const r = await this.#expiry.expire(id);
      if ('request' in r) return r.request;
    }
    return request;
  }

  /** Requests newest first, optionally of one status. */
  async list(options: ListOptions = {}): Promise<ApprovalRequest[]> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 500);
    const before = options.before === undefined ? undefined : Date.parse(options.before);
    if (before !== undefined && Number.isNaN(before))
      throw new ApprovalError('invalid_input', 'before must be an ISO-8601 time');
    const ids = await this.#store.listIds(options.status ?? 'all', limit, before);
    const out: ApprovalRequest[] = [];
    for (const stored of await this.#store.readMany(ids)) {
      if (stored === null) continue;
      let r = stored.request;
      if (r.status === 'pending' && stored.serverNow >= Date.parse(r.expiresAt)) {
        const expired = await this.#expiry.expire(r.id);
        if ('request' in expired) r = expired.request;
      }
      if (options.status === undefined || r.status === options.status) out.push(r);
    }
    return out;
  }

  approve(id: string, input: DecisionInput): Promise<ApprovalRequest> {
    return this.#decide(id, 'approve', input);
  }

  /** A denial is final, whatever approvals came before. */
  deny(id: string, input: DecisionInput): Promise<ApprovalRequest> {
    return this.#decide(id, 'deny', input);
  }

  /**
   * The client cancelled (`canceled`), went away (`session_closed`), an
   * operator ended its session (`terminated`) or the gateway is going
   * (`shutdown`): the request ends as withdrawn if it is still pending, and
   * is answered unchanged otherwise.
   */
  async withdraw(id: string, why: ApprovalWithdrawReason, by?: Principal): Promise<ApprovalRequest> {
    checkId(id);
    if (!WITHDRAW_REASONS.includes(why)) {
      throw new ApprovalError(
        'invalid_input',
        `withdraw reason must be one of ${WITHDRAW_REASONS.join(', ')}`,
      );
    }
    const entry: HistoryEntryInput = {
      type: 'withdrawn',
      by: by?.subject ?? null,
      reason: why,
      instance: this.instanceId,
    };
    const reply = await this.#store.transition(id, 'withdrawn', entry, false);
    if (reply.outcome === 'not_found')
      throw new ApprovalError('not_found', `approval ${id} does not exist`, { approvalId: id });
    const request = await this.get(id);
    if (reply.changed) {
      this.#expiry.forget(id);
      await this.#events.emit('withdrawn', request, by ?? null, why, new Date(reply.at).toISOString());
    }
    return request;
  }

  /** The holding gateway sent the approved statement upstream; recorded once. */
  async recordExecuted(id: string): Promise<ApprovalRequest> {
    checkId(id);
    const reply = await this.#store.executed(id, {
      type: 'executed',
      by: null,
      reason: null,
      instance: this.instanceId,
    });
    if (reply.outcome === 'not_found')
      throw new ApprovalError('not_found', `approval ${id} does not exist`, { approvalId: id });
    if (reply.outcome === 'not_approved') {
      throw new ApprovalError('not_approved', `approval ${id} is ${reply.status}, not approved`, {
        approvalId: id,
        status: reply.status as ApprovalStatus,
      });
    }
    const request = await this.get(id);
    if (reply.changed)
      await this.#events.emit('executed', request, null, null, new Date(reply.at).toISOString());
    return request;
  }

  /**
   * Resolves when the request is approved, denied, expired or withdrawn,
   * whichever instance decided it. Rejects with `signal.reason` when aborted
   * (the caller then withdraws the request), `not_found`, or `closed`. Keeps
   * waiting while Redis is away; ends as expired at the timeout regardless.
   */
  waitForDecision(id: string, signal: AbortSignal): Promise<FinalDecision> {
    try {
      checkId(id);
      if (this.#state === 'new')
        throw new ApprovalError('store_unavailable', 'the approval service has not been started');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#hub.wait(id, signal, this.#expiry.hint(id));
  }

  /** The CI grant covering a retry of exactly this text by this subject, or null. */
  async findGrant(q: GrantQuery): Promise<ApprovalGrant | null> {
    const record = await this.#store.getGrant(
      this.#keys.grant(q.subject, q.target.name, q.database, q.textHash),
    );
    if (record === null) return null;
    const grant = parseGrant(record.value, record.ttlMs);
    if (
      grant === null ||
      grant.subject !== q.subject ||
      grant.fingerprint !== q.fingerprint ||
      grant.textHash !== q.textHash
    ) {
      return null;
    }
    return grant;
  }

  /**
   * Withdraws pending requests whose holding client is gone: by default this
   * instance's requests from earlier runs (run at start). With another
   * `instanceId`, every pending request of that instance (an operator
   * retiring a gateway that will not come back). Answers the ids withdrawn.
   */
  async withdrawOrphans(options: { instanceId?: string } = {}): Promise<string[]> {
    const instance = options.instanceId ?? this.instanceId;
    const orphans = (await this.#store.pendingHolders()).filter(
      (h) => h.instance === instance && !(instance === this.instanceId && h.run === this.runId),
    );
    const done: string[] = [];
    for (const { id } of orphans) {
      // The holder is gone, so its client is too: the same as a gateway shutdown.
      const r = await this.withdraw(id, 'shutdown');
      if (r.status === 'withdrawn') done.push(id);
    }
    if (done.length > 0)
      this.#log.info({ withdrawn: done.length, instance }, 'withdrew orphaned approval requests');
    return done;
  }

  async #decide(id: string, kind: DecisionKind, input: DecisionInput): Promise<ApprovalRequest> {
    checkId(id);
    const { by, reason } = checkDecision(kind, input);
    const reply = await this.#store.decide(id, kind, by, reason, this.instanceId, EXPIRED_REASON);
    // A decision on a request found past its expiry expired it: that is news too.
    if (reply.outcome === 'not_pending' && reply.changed) await this.#expiry.expired(id, reply.at);
    const refused = decisionRefusal(id, by.subject, reply);
    if (refused) throw refused;
    const request = await this.get(id);
    if (reply.changed) {
      if (request.status !== 'pending') this.#expiry.forget(id);
      this.#log.info(
        { approvalId: id, decision: kind, by: by.subject, status: request.status },
        'approval decision',
      );
      await this.#events.emit(
        kind === 'approve' ? 'approved' : 'denied',
        request,
        by,
        reason || null,
        new Date(reply.at).toISOString(),
      );
    }
    return request;
  }

  async #check(ids: readonly string[]): Promise<Map<string, CheckResult>> {
    const out = new Map<string, CheckResult>();
    const stored = await this.#store.readMany(ids);
    ids.forEach((id, i) => {
      const s = stored[i];
      if (s === null || s === undefined) {
        out.set(id, { state: 'missing' });
        return;
      }
      const decision = finalDecisionOf(s.request);
      out.set(
        id,
        decision
          ? { state: 'final', decision }
          : { state: 'pending', expiresAtMs: Date.parse(s.request.expiresAt), serverNow: s.serverNow },
      );
    });
    return out;
  }
}
