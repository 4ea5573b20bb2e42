import type { Logger } from 'pino';
import {
  GatewayError,
  maskText,
  MaskingRuleId,
  touchesSensitive,
  type AuditMaskedColumn,
  type Decision,
  type MaskPlan,
  type OutputColumn,
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
import { columnRewrites, UnmaskableResult, type ColumnRewrite } from './column-maskers';
import { CopyMasker } from './copy-masker';
import { redactErrorResponse } from './error-redaction';
import { isBuiltInType } from './result-columns';
import { RowMasker } from './row-masker';

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

/** A statement the client parsed (extended protocol). */
interface Prepared {
  readonly plan: MaskPlan | null;
  readonly flow: StatementDataFlow | null;
  readonly sql: string;
  readonly parameterTypes: readonly number[];
  fields: RowField[] | null;
}

interface Portal {
  readonly prepared: Prepared | null;
  readonly formats: readonly number[];
  /** Undefined until built from a description; null: nothing to mask. */
  rows: RowMasker | null | undefined;
}

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

const MAX_NAMED = 1000;

/**
 * Result masking for one session: follows which statement each upstream
 * answer belongs to (simple queries statement by statement; Parse, Bind,
 * Describe and Execute by name; cursors and SQL-level prepared statements
 * by the lineage recorded when they were declared), builds the column
 * masks when a result starts (resolving the catalog first, which holds the
 * upstream while it waits), and rewrites rows, COPY data, errors and
 * notices. Rows with nothing to mask are left to pass as their bytes.
 */
export class ResultMasking {
  readonly #catalog: CatalogCache;
  readonly #endpoint: UpstreamEndpoint;
  readonly #logger: Logger;
  readonly #statements = new Map<string, Prepared>();
  readonly #portals = new Map<string, Portal>();
  /** DECLARE name -> the cursor's result columns (for FETCH); PREPARE name -> the prepared query's. */
  readonly #cursors = new Map<string, readonly OutputColumn[] | null>();
  readonly #sqlPrepared = new Map<string, readonly OutputColumn[] | null>();
  readonly #expected: Expected[] = [];
  /** The result being received: undefined until its first row or description says. */
  #rows: RowMasker | null | undefined = undefined;
  #copy: CopyMasker | null = null;
  /** Results since the last takeMasked(), for the audit (a portal's rows can span several Executes). */
  readonly #masked = new Set<RowMasker>();
  /** The latest plan of this session's statements, for messages that belong to none (notifications). */
  #lastPlan: MaskPlan | null = null;

  constructor(catalog: CatalogCache, endpoint: UpstreamEndpoint, logger: Logger) {
    this.#catalog = catalog;
    this.#endpoint = endpoint;
    this.#logger = logger;
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
    if (source === 'extended') {
      remember(this.#statements, name, { plan, flow: flows[0] ?? null, sql, parameterTypes, fields: null });
    } else {
      this.#expected.push(plan === null ? UNMASKED_QUERY : { kind: 'query', plan, flows, index: 0 });
    }
    if (decision.action !== 'allow') return;
    // A cursor or SQL-level prepared statement keeps the lineage it was declared with (for FETCH, EXECUTE).
    for (const f of flows) {
      if (f.declares !== undefined) remember(this.#cursors, f.declares, f.outputs);
      if (f.prepares !== undefined) remember(this.#sqlPrepared, f.prepares, f.outputs);
      if (f.closes === '*') this.#cursors.clear();
      else if (f.closes !== undefined) this.#cursors.delete(f.closes);
    }
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
        (d.target === 'S' ? this.#statements : this.#portals).delete(d.name);
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
    const prepared = this.#statements.get(bind.statement) ?? null;
    const portal: Portal = { prepared, formats: bind.resultFormats, rows: undefined };
    remember(this.#portals, bind.portal, portal);
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
    if (this.#catalog.missing(prepared.fields, isBuiltInType).relations.length > 0) return null;
    try {
      const outputs = this.#outputsOf(prepared.flow ?? undefined);
      const rewrites = columnRewrites(
        prepared.plan,
        prepared.fields,
        bind.resultFormats,
        outputs,
        this.#catalog,
      );
      portal.rows = rewrites.some((r) => r !== undefined) ? new RowMasker(rewrites) : null;
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
        if (head?.kind === 'query') {
          if (head.plan !== null) head.index++;
        } else if (head?.kind === 'execute') this.#expected.shift();
        return null;
      case Backend.CopyOutResponse:
        return this.#copyOut(head, decodeCopyResponse(payload).format);
      case Backend.CopyData: {
        const masked = this.#copy?.mask(payload) ?? null;
        if (masked === null) return null;
        const out = Buffer.allocUnsafe(masked.length + 5);
        out[0] = Backend.CopyData;
        out.writeInt32BE(masked.length + 4, 1);
        masked.copy(out, 5);
        return out;
      }
      case Backend.CopyDone:
        this.#copy = null;
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
    this.#copy = null;
    const head = this.#expected[0];
    if (head?.kind === 'query') return;
    while (this.#expected.length > 0 && this.#expected[0]?.kind !== 'sync') this.#expected.shift();
  }

  /** Masked columns of the answers since the last call, for the audit. */
  takeMasked(): AuditMaskedColumn[] {
    const out: AuditMaskedColumn[] = [];
    for (const rows of this.#masked) out.push(...rows.audit());
    this.#masked.clear();
    return out;
  }

  #readyForQuery(): void {
    this.#endResult();
    this.#copy = null;
    while (this.#expected.length > 0) {
      const e = this.#expected.shift() as Expected;
      if (e.kind === 'query' || e.kind === 'sync') break;
    }
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
        const prepared = this.#statements.get(head.name);
        if (prepared) prepared.fields = fields;
        this.#expected.shift();
        return null;
      }
      const portal = this.#portals.get(head.name);
      const plan = portal?.prepared?.plan ?? null;
      if (portal === undefined || plan === null) {
        if (portal !== undefined) portal.rows = null;
        this.#expected.shift();
        return null;
      }
      const built = this.#build(
        plan,
        fields,
        portal.formats,
        this.#outputsOf(portal.prepared?.flow ?? undefined),
      );
      if (built instanceof Promise) return built;
      portal.rows = built;
      this.#expected.shift();
      return null;
    }
    if (head?.kind !== 'query' || head.plan === null) {
      this.#rows = null;
      return null;
    }
    const built = this.#build(head.plan, fields, null, this.#outputsOf(head.flows[head.index]));
    if (built instanceof Promise) return built;
    this.#rows = built;
    return null;
  }

  /** The result columns of a statement's rows: its own, or its cursor's, or its prepared query's. */
  #outputsOf(flow: StatementDataFlow | undefined): readonly OutputColumn[] | null {
    if (flow === undefined) return null;
    if (flow.fetches !== undefined) return this.#cursors.get(flow.fetches) ?? null;
    if (flow.executes !== undefined) return this.#sqlPrepared.get(flow.executes) ?? null;
    return flow.outputs;
  }

  /** Rows of an Execute: the portal's masks, described first if the client never asked for a description. */
  #startRows(columns: number): RowMasker | null | Promise<void> {
    const head = this.#expected[0];
    if (head?.kind === 'query') return head.plan === null ? null : this.#blind(head.plan, columns, null);
    if (head?.kind !== 'execute') return null;
    const portal = this.#portals.get(head.portal);
    const prepared = portal?.prepared;
    if (!portal || !prepared || prepared.plan === null) return null;
    if (portal.rows !== undefined) return portal.rows;
    const fields = prepared.fields;
    if (fields === null && !this.#catalog.unavailable) {
      return this.#catalog
        .describe(prepared.sql, prepared.parameterTypes, this.#endpoint)
        .then((f) => {
          prepared.fields = f;
        })
        .catch(() => {
          prepared.fields = [];
        });
    }
    if (fields === null || fields.length !== columns)
      return this.#blind(prepared.plan, columns, portal.formats);
    const built = this.#build(
      prepared.plan,
      fields,
      portal.formats,
      this.#outputsOf(prepared.flow ?? undefined),
    );
    if (built instanceof Promise) return built;
    portal.rows = built;
    return built;
  }

  /** No description to be had: every column is of unknown type and lineage (scanned; binary cannot be). */
  #blind(plan: MaskPlan, columns: number, formats: readonly number[] | null): RowMasker | null {
    const fields: RowField[] = Array.from({ length: columns }, (_, i) => ({
      name: '?column?',
      tableOid: 0,
      columnAttr: 0,
      typeOid: 0,
      typeSize: -1,
      typeModifier: -1,
      format: formats === null ? 0 : ((formats.length === 1 ? formats[0] : formats[i]) ?? 0),
    }));
    return this.#rewrites(plan, fields, null, null);
  }

  /** The row masks of a result, once the catalog knows its columns (a promise while it is asked). */
  #build(
    plan: MaskPlan,
    fields: RowField[],
    formats: readonly number[] | null,
    outputs: readonly OutputColumn[] | null,
  ): RowMasker | null | Promise<void> {
    const missing = this.#catalog.missing(fields, isBuiltInType);
    if ((missing.relations.length > 0 || missing.types.length > 0) && !this.#catalog.unavailable) {
      return this.#catalog.resolve(missing.relations, missing.types, this.#endpoint).catch(() => undefined);
    }
    return this.#rewrites(plan, fields, formats, outputs);
  }

  #rewrites(
    plan: MaskPlan,
    fields: RowField[],
    formats: readonly number[] | null,
    outputs: readonly OutputColumn[] | null,
  ): RowMasker | null {
    let rewrites: (ColumnRewrite | undefined)[];
    try {
      rewrites = columnRewrites(plan, fields, formats, outputs, this.#catalog);
    } catch (err) {
      if (err instanceof UnmaskableResult) throw new GatewayError('policy_denied', err.message);
      throw err;
    }
    return rewrites.some((r) => r !== undefined) ? new RowMasker(rewrites) : null;
  }

  /** The mask plan and data flow of the statement whose response is arriving, when it is known. */
  #planOf(head: Expected | undefined): { plan: MaskPlan | null; flow: StatementDataFlow | undefined } | null {
    if (head?.kind === 'query') return { plan: head.plan, flow: head.flows[head.index] };
    const prepared =
      head?.kind === 'execute'
        ? this.#portals.get(head.portal)?.prepared
        : head?.kind === 'describe'
          ? head.target === 'S'
            ? this.#statements.get(head.name)
            : this.#portals.get(head.name)?.prepared
          : null;
    if (prepared === null) return null;
    return { plan: prepared?.plan ?? null, flow: prepared?.flow ?? undefined };
  }

  #copyOut(head: Expected | undefined, format: number): UpstreamAction {
    // COPY output answers a query or an execute, never a describe.
    const { plan, flow } =
      head?.kind === 'query' || head?.kind === 'execute'
        ? (this.#planOf(head) ?? { plan: null, flow: undefined })
        : { plan: null, flow: undefined };
    const copy = flow?.copyOut;
    if (plan === null || copy === undefined) {
      // A COPY analysis did not see as one (it was allowed unmasked only if nothing is masked at all).
      this.#copy = null;
      if (plan !== null)
        throw new GatewayError('policy_denied', 'COPY output that cannot be traced cannot be masked');
      return null;
    }
    const binary = format === 1 || copy.format === 'binary';
    let fields: RowField[] | null | undefined;
    if (copy.query !== null && !this.#catalog.unavailable) {
      const described = this.#describedCopies.get(copy.query);
      if (described === undefined) {
        return this.#catalog
          .describe(copy.query, [], this.#endpoint)
          .then((f) => void this.#describedCopies.set(copy.query as string, f))
          .catch(() => void this.#describedCopies.set(copy.query as string, null));
      }
      fields = described;
    }
    const outputs = this.#outputsOf(flow);
    if (fields !== null && fields !== undefined) {
      const built = this.#build(plan, fields, binary ? [1] : [0], outputs);
      if (built instanceof Promise) return built;
      this.#describedCopies.delete(copy.query as string);
      this.#copy = built === null ? null : new CopyMasker(built.rewrites, copy);
      return null;
    }
    if (binary)
      throw new GatewayError(
        'policy_denied',
        'binary COPY output whose columns cannot be described cannot be masked',
      );
    this.#copy = new CopyMasker(null, copy, this.#blind(plan, 1, null)?.rewrites[0]);
    return null;
  }

  readonly #describedCopies = new Map<string, RowField[] | null>();

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

/** Bounded per-session maps: past the bound the oldest name is forgotten (its results are then masked blind). */
function remember<V>(map: Map<string, V>, name: string, value: V): void {
  if (map.size >= MAX_NAMED && !map.has(name)) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.delete(name);
  map.set(name, value);
}
