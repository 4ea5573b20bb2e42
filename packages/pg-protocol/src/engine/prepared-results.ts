import type { MaskPlan, OutputColumn, StatementDataFlow } from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import type { RowMasker } from './row-masker';

/** A statement the client parsed (extended protocol), with the plan and lineage its results are masked under. */
export interface Prepared {
  plan: MaskPlan | null;
  flow: StatementDataFlow | null;
  readonly sql: string;
  readonly parameterTypes: readonly number[];
  /** Its result columns, once a description (the client's or the catalog's) said; [] when none can be had. */
  fields: RowField[] | null;
}

/** A portal the client bound: the statement it runs and the result formats it asked for. */
export interface Portal {
  readonly prepared: Prepared | null;
  readonly formats: readonly number[];
  /** Undefined until built from a description; null: nothing to mask. */
  rows: RowMasker | null | undefined;
}

const MAX_NAMED = 1000;

/**
 * The named things of one session whose results are masked later: protocol
 * prepared statements and portals (by Parse, Bind and Close), and the
 * lineage of cursors (DECLARE, for FETCH) and SQL-level prepared statements
 * (PREPARE, for EXECUTE) as their declaring statements traced it, recorded
 * when those statements complete upstream. Bounded:
 * past the bound the oldest name is forgotten, and its results are then
 * masked blind.
 */
export class PreparedResults {
  readonly statements = new Map<string, Prepared>();
  readonly portals = new Map<string, Portal>();
  /** DECLARE name -> the cursor's result columns (for FETCH). */
  readonly #cursors = new Map<string, readonly OutputColumn[] | null>();
  /** PREPARE name -> the prepared query's result columns (for EXECUTE). */
  readonly #sqlPrepared = new Map<string, readonly OutputColumn[] | null>();

  /** A Parse was forwarded under this plan (null: its results pass as they are). */
  parsed(
    name: string,
    plan: MaskPlan | null,
    flow: StatementDataFlow | null,
    sql: string,
    parameterTypes: readonly number[],
  ): void {
    remember(this.statements, name, { plan, flow, sql, parameterTypes, fields: null });
  }

  /**
   * A statement judged again after a reload: its later results are masked
   * under the new plan. The description already learnt stays (the columns
   * are the same statement's); a statement the gateway did not follow
   * (judged while nothing was masked) is followed from here on.
   */
  replanned(
    name: string,
    plan: MaskPlan | null,
    flow: StatementDataFlow | null,
    sql: string,
    parameterTypes: readonly number[],
  ): void {
    const known = this.statements.get(name);
    if (known === undefined || known.sql !== sql) {
      this.parsed(name, plan, flow, sql, parameterTypes);
      return;
    }
    known.plan = plan;
    known.flow = flow;
  }

  /** Statements that ran: the cursors and SQL-level prepared statements they declare or close. */
  declared(flows: readonly StatementDataFlow[]): void {
    for (const f of flows) {
      if (f.declares !== undefined) remember(this.#cursors, f.declares, f.outputs);
      if (f.prepares !== undefined) remember(this.#sqlPrepared, f.prepares, f.outputs);
      if (f.closes === '*') this.#cursors.clear();
      else if (f.closes !== undefined) this.#cursors.delete(f.closes);
    }
  }

  bound(name: string, portal: Portal): void {
    remember(this.portals, name, portal);
  }

  /** Close: 'S' a prepared statement, 'P' a portal. */
  closed(target: string, name: string): void {
    (target === 'S' ? this.statements : this.portals).delete(name);
  }

  /** Whether a statement's result columns are another's, looked up when it runs (FETCH, EXECUTE). */
  static resolvesLater(flow: StatementDataFlow | null | undefined): boolean {
    return flow != null && (flow.fetches !== undefined || flow.executes !== undefined);
  }

  /** The result columns of a statement's rows: its own, or its cursor's, or its prepared query's. */
  outputsOf(flow: StatementDataFlow | null | undefined): readonly OutputColumn[] | null {
    if (flow === undefined || flow === null) return null;
    if (flow.fetches !== undefined) return this.#cursors.get(flow.fetches) ?? null;
    if (flow.executes !== undefined) return this.#sqlPrepared.get(flow.executes) ?? null;
    return flow.outputs;
  }
}

/** Bounded per-session maps: past the bound the oldest name is forgotten. */
function remember<V>(map: Map<string, V>, name: string, value: V): void {
  if (map.size >= MAX_NAMED && !map.has(name)) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.delete(name);
  map.set(name, value);
}
