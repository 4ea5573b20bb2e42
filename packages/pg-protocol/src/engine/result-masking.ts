import type { Logger } from 'pino';
import {
  maskText,
  MaskingRuleId,
  touchesSensitive,
  type AllowDecision,
  type AuditMaskedColumn,
  type Decision,
  type MaskPlan,
  type StatementDataFlow,
  type StatementSource,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import {
  BackendCode,
  decodeBind,
  decodeCopyResponse,
  decodeDescribe,
  decodeExecute,
  decodeNotification,
  decodeRowDescription,
  encodeNotificationResponse,
  FrontendCode,
  type RowField,
} from '../codec';
import type { CatalogCache } from './catalog-cache';
import { UnmaskableResult } from './column-maskers';
import { CopyOutput } from './copy-output';
import { redactErrorResponse } from './error-redaction';
import { PreparedResults, type Portal, type Prepared } from './prepared-results';
import type { RowMasker } from './row-masker';
import { RowMasks } from './row-masks';

/** Read once: the codec's re-exports are getters, costly on the per-message path. */
const Backend = BackendCode;

/** Read once: the codec's re-exports are getters, costly on the per-message path. */
const Frontend = FrontendCode;

/** A client message masking refuses: the session denies it in place, under this rule. */
export interface Refusal {
  readonly ruleId: string;
  readonly reason: string;
}

/** Three asterisks in a bound value: what masks write (`***-**-6789`, `j***@example.com`). */
const PLACEHOLDER = Buffer.from('***');
const placeholder = (value: Buffer | null): boolean => value !== null && value.includes(PLACEHOLDER);

/** The session drops the message (a description the gateway asked for itself). */
export const DROP = Symbol('drop');
/** What the session does with an upstream message: forward it (null), forward this instead, drop it, or hold it until the promise settles and ask again. */
export type UpstreamAction = Buffer | null | typeof DROP | Promise<void>;

/** What the upstream answers next, in the order the client asked. */
type Expected =
  | { kind: 'query'; plan: MaskPlan | null; flows: readonly StatementDataFlow[]; index: number }
  | { kind: 'describe'; target: string; name: string }
  | { kind: 'execute'; portal: string }
  | { kind: 'sync' };

// Until a session sees its first mask plan nothing it runs is masked: its answers are only counted off.
const SYNC: Expected = Object.freeze({ kind: 'sync' });
const UNMASKED_QUERY: Expected = Object.freeze({ kind: 'query', plan: null, flows: [], index: 0 });
const UNMASKED_DESCRIBE: Expected = Object.freeze({ kind: 'describe', target: '', name: '' });
const UNMASKED_EXECUTE: Expected = Object.freeze({ kind: 'execute', portal: '' });

/**
 * Result masking for one session: follows which statement each upstream
 * answer belongs to (simple queries statement by statement; Parse, Bind,
 * Describe and Execute by name; cursors and SQL-level prepared statements
 * by the lineage recorded when their declaring statements ran), builds the column
 * masks when a result starts (resolving the catalog first, which holds the
 * upstream while it waits), and rewrites rows, COPY data, errors and
 * notices. Rows with nothing to mask are left to pass as their bytes.
 */
export class ResultMasking {
  readonly #logger: Logger;
  readonly #masks: RowMasks;
  readonly #named = new PreparedResults();
  readonly #copy: CopyOutput;
  readonly #expected: Expected[] = [];
  /** The result being received: undefined until its first row or description says. */
  #rows: RowMasker | null | undefined = undefined;
  /** Results since the last takeMasked(), for the audit (a portal's rows can span several Executes). */
  readonly #masked = new Set<RowMasker>();
  /** The latest plan of this session's statements, for messages that belong to none (notifications). */
  #lastPlan: MaskPlan | null = null;

  constructor(catalog: CatalogCache, endpoint: UpstreamEndpoint, logger: Logger) {
    this.#logger = logger;
    this.#masks = new RowMasks(catalog, endpoint);
    this.#copy = new CopyOutput(this.#masks);
  }

  // ---- client -> upstream ----

  /** A Query, Parse or FunctionCall was forwarded with this decision (a denial forwards its marker). */
  statement(
    source: StatementSource,
    decision: Decision,
    name: string,
    sql: string,
    parameterTypes: readonly number[],
  ): void {
    const plan = decision.action === 'allow' ? decision.maskPlan : null;
    if (plan !== null) this.#lastPlan = plan;
    if (this.#lastPlan === null) {
      if (source !== 'extended') this.#expected.push(UNMASKED_QUERY);
      return;
    }
    const flows = plan?.statements ?? [];
    if (source === 'extended') this.#named.parsed(name, plan, flows[0] ?? null, sql, parameterTypes);
    else this.#expected.push(plan === null ? UNMASKED_QUERY : { kind: 'query', plan, flows, index: 0 });
    // The cursors and SQL-level prepared statements it declares are recorded as each statement completes.
  }

  /**
   * A protocol-level prepared statement judged again at Bind after a reload
   * and allowed: from this Bind on its results are masked under the new
   * plan (an explicit rule added, a group no longer unmasked, or now
   * unmasked), as if it had been parsed now.
   */
  rejudged(name: string, sql: string, parameterTypes: readonly number[], decision: AllowDecision): void {
    const plan = decision.maskPlan;
    if (plan !== null) this.#lastPlan = plan;
    // Nothing was ever masked in this session and nothing is now: there is nothing to follow.
    if (this.#lastPlan === null) return;
    const flows = plan?.statements ?? [];
    this.#named.replanned(name, plan, flows[0] ?? null, sql, parameterTypes);
  }

  /**
   * Bind, Describe, Execute, Close or Sync on their way upstream. A Bind
   * asking for binary results that cannot be masked is refused here (the
   * reason is returned; the session denies it in place).
   */
  clientMessage(code: number, payload: Buffer): Refusal | null {
    if (this.#lastPlan === null) {
      if (code === Frontend.Sync) this.#expected.push(SYNC);
      else if (code === Frontend.Describe) this.#expected.push(UNMASKED_DESCRIBE);
      else if (code === Frontend.Execute) this.#expected.push(UNMASKED_EXECUTE);
      return null;
    }
    switch (code) {
      case Frontend.Bind:
        return this.#bind(payload);
      case Frontend.Describe: {
        const d = decodeDescribe(payload);
        this.#expected.push({ kind: 'describe', target: d.target, name: d.name });
        return null;
      }
      case Frontend.Execute:
        this.#expected.push({ kind: 'execute', portal: decodeExecute(payload).portal });
        return null;
      case Frontend.Close: {
        const d = decodeDescribe(payload);
        this.#named.closed(d.target, d.name);
        return null;
      }
      case Frontend.Sync:
        this.#expected.push(SYNC);
        return null;
      default:
        return null;
    }
  }

  #bind(payload: Buffer): Refusal | null {
    const bind = decodeBind(payload);
    const prepared = this.#named.statements.get(bind.statement) ?? null;
    const portal: Portal = { prepared, formats: bind.resultFormats, rows: undefined };
    this.#named.bound(bind.portal, portal);
    // A statement that stores values, bound with a masked placeholder: `UPDATE ... SET ssn = $1` with '***-**-6789'.
    if (
      prepared?.plan != null &&
      (prepared.flow?.stores.length ?? 0) > 0 &&
      bind.parameters.some(placeholder)
    ) {
      return {
        ruleId: MaskingRuleId.writeBack,
        reason: 'a bound value looks like a masked value (***); masked values cannot be written back',
      };
    }
    if (
      prepared === null ||
      prepared.plan === null ||
      prepared.fields === null ||
      !bind.resultFormats.includes(1)
    )
      return null;
    try {
      const outputs = this.#named.outputsOf(prepared.flow);
      const rows = this.#masks.forBind(prepared.plan, prepared.fields, bind.resultFormats, outputs);
      // FETCH and EXECUTE: the cursor or statement named may be redefined by messages still running; masks are built when the rows come.
      if (!PreparedResults.resolvesLater(prepared.flow)) portal.rows = rows;
      return null;
    } catch (err) {
      if (err instanceof UnmaskableResult) return { ruleId: 'masking-binary', reason: err.message };
      throw err;
    }
  }

  // ---- upstream -> client ----

  /** A DataRow: the rewritten row, null to pass it, or a promise to wait on before asking again. */
  dataRow(buf: Buffer, start: number, end: number): Buffer | null | Promise<void> {
    let rows = this.#rows;
    if (rows === undefined) {
      const built = this.#startRows(buf.readUInt16BE(start + 5));
      if (built instanceof Promise) return built;
      rows = this.#rows = built;
    }
    return rows === null ? null : rows.mask(buf, start, end);
  }

  upstream(code: number, buf: Buffer, payloadStart: number, end: number): UpstreamAction {
    const payload = buf.subarray(payloadStart, end);
    const head = this.#expected[0];
    switch (code) {
      case Backend.RowDescription:
        return this.#rowDescription(head, decodeRowDescription(payload));
      case Backend.NoData:
        if (head?.kind === 'describe') this.#expected.shift();
        return null;
      case Backend.CommandComplete:
      case Backend.EmptyQueryResponse:
      case Backend.PortalSuspended:
        this.#endResult();
        if (code === Backend.CommandComplete) this.#completed(head);
        if (head?.kind === 'query') {
          if (head.plan !== null) head.index++;
        } else if (head?.kind === 'execute') this.#expected.shift();
        return null;
      case Backend.CopyOutResponse: {
        // COPY output answers a query or an execute, never a describe.
        const answers = head?.kind === 'query' || head?.kind === 'execute' ? this.#planOf(head) : null;
        const flow = answers?.flow;
        const outputs = this.#named.outputsOf(flow);
        return this.#copy.start(answers?.plan ?? null, flow, outputs, decodeCopyResponse(payload).format);
      }
      case Backend.CopyData:
        return this.#copy.data(payload);
      case Backend.CopyDone:
        this.#copy.end();
        return null;
      case Backend.ErrorResponse:
      case Backend.NoticeResponse: {
        const redacted = this.#redact(code, payload, head);
        if (code === Backend.ErrorResponse) this.error();
        return redacted;
      }
      case Backend.NotificationResponse:
        return this.#notification(payload);
      case Backend.ReadyForQuery:
        this.#readyForQuery();
        return null;
      default:
        return null;
    }
  }

  /** An ErrorResponse ended what was running: a simple query's rest, or the extended batch up to Sync. */
  error(): void {
    this.#endResult();
    this.#copy.end();
    const head = this.#expected[0];
    if (head?.kind === 'query') return;
    while (this.#expected.length > 0 && this.#expected[0]?.kind !== 'sync') this.#expected.shift();
  }

  /** Masked columns of the answers since the last call, for the audit. */
  /** The session is closing mid-result: what was masked so far, the unfinished result included. */
  takeMaskedAtClose(): AuditMaskedColumn[] {
    this.#endResult();
    return this.takeMasked();
  }

  takeMasked(): AuditMaskedColumn[] {
    const out: AuditMaskedColumn[] = [];
    for (const rows of this.#masked) out.push(...rows.audit());
    this.#masked.clear();
    return out;
  }

  #readyForQuery(): void {
    this.#endResult();
    this.#copy.end();
    while (this.#expected.length > 0) {
      const e = this.#expected.shift() as Expected;
      if (e.kind === 'query' || e.kind === 'sync') break;
    }
  }

  /**
   * A statement ran: the cursor or SQL-level prepared statement it declares
   * or closes is recorded now, in the order PostgreSQL ran them, so a FETCH
   * or EXECUTE is masked with the definition in force when it ran (not one
   * later in the same string, nor one that failed or never ran).
   */
  #completed(head: Expected | undefined): void {
    const flow =
      head?.kind === 'query'
        ? head.flows[head.index]
        : head?.kind === 'execute'
          ? this.#named.portals.get(head.portal)?.prepared?.flow
          : undefined;
    if (flow != null) this.#named.declared([flow]);
  }

  #endResult(): void {
    if (this.#rows) this.#masked.add(this.#rows);
    this.#rows = undefined;
  }

  /** Whether any statement of this session has had a mask plan (until then nothing is decoded). */
  get active(): boolean {
    return this.#lastPlan !== null;
  }

  #rowDescription(head: Expected | undefined, fields: RowField[]): UpstreamAction {
    if (head?.kind === 'describe') {
      if (head.target === 'S') {
        const prepared = this.#named.statements.get(head.name);
        if (prepared) prepared.fields = fields;
        this.#expected.shift();
        return null;
      }
      const portal = this.#named.portals.get(head.name);
      const plan = portal?.prepared?.plan ?? null;
      if (portal === undefined || plan === null) {
        if (portal !== undefined) portal.rows = null;
        this.#expected.shift();
        return null;
      }
      const outputs = this.#named.outputsOf(portal.prepared?.flow);
      const built = this.#masks.build(plan, fields, portal.formats, outputs);
      if (built instanceof Promise) return built;
      portal.rows = built;
      this.#expected.shift();
      return null;
    }
    if (head?.kind !== 'query' || head.plan === null) {
      this.#rows = null;
      return null;
    }
    const built = this.#masks.build(head.plan, fields, null, this.#named.outputsOf(head.flows[head.index]));
    if (built instanceof Promise) return built;
    this.#rows = built;
    return null;
  }

  /** Rows of an Execute: the portal's masks, described first if the client never asked for a description. */
  #startRows(columns: number): RowMasker | null | Promise<void> {
    const head = this.#expected[0];
    if (head?.kind === 'query')
      return head.plan === null ? null : this.#masks.blind(head.plan, columns, null);
    if (head?.kind !== 'execute') return null;
    const portal = this.#named.portals.get(head.portal);
    const prepared = portal?.prepared;
    if (!portal || !prepared || prepared.plan === null) return null;
    if (portal.rows !== undefined) return portal.rows;
    const fields = prepared.fields;
    if (fields === null && !this.#masks.catalogUnavailable) return this.#describe(prepared);
    if (fields === null || fields.length !== columns)
      return this.#masks.blind(prepared.plan, columns, portal.formats);
    const built = this.#masks.build(
      prepared.plan,
      fields,
      portal.formats,
      this.#named.outputsOf(prepared.flow),
    );
    if (built instanceof Promise) return built;
    portal.rows = built;
    return built;
  }

  /** Asks the catalog what a statement's result columns are ([] when it cannot say). */
  #describe(prepared: Prepared): Promise<void> {
    return this.#masks
      .describe(prepared.sql, prepared.parameterTypes)
      .then((f) => {
        prepared.fields = f;
      })
      .catch(() => {
        prepared.fields = [];
      });
  }

  /** The mask plan and data flow of the statement whose response is arriving, when it is known. */
  #planOf(head: Expected | undefined): { plan: MaskPlan | null; flow: StatementDataFlow | undefined } | null {
    if (head?.kind === 'query') return { plan: head.plan, flow: head.flows[head.index] };
    const prepared =
      head?.kind === 'execute'
        ? this.#named.portals.get(head.portal)?.prepared
        : head?.kind === 'describe'
          ? head.target === 'S'
            ? this.#named.statements.get(head.name)
            : this.#named.portals.get(head.name)?.prepared
          : null;
    if (prepared === null) return null;
    return { plan: prepared?.plan ?? null, flow: prepared?.flow ?? undefined };
  }

  #redact(code: number, payload: Buffer, head: Expected | undefined): Buffer | null {
    const { plan, flow } = this.#planOf(head) ?? { plan: this.#lastPlan, flow: undefined };
    if (plan === null) return null;
    // Without the statement's data flow (it did not parse, or it ran elsewhere) quoted values are hidden too.
    const sensitive = flow === undefined ? true : touchesSensitive(plan, flow);
    return redactErrorResponse(code, payload, plan, sensitive);
  }

  #notification(payload: Buffer): Buffer | null {
    const plan = this.#lastPlan;
    if (plan === null || plan.auto === false) return null;
    const n = decodeNotification(payload);
    const masked = maskText(n.payload);
    if (masked === n.payload) return null;
    this.#logger.debug({ channel: n.channel }, 'notification payload masked');
    return encodeNotificationResponse(n.processId, n.channel, masked);
  }
}
