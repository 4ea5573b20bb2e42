import type { ColumnRole, StatementFacts, TableRef } from '../statement-facts';
import { FactsCollector } from './facts-collector';
import { isObj, isRangeVarBody, isTypeNameBody, nodeType, tableFromRangeVar, type Obj } from './pg-node';
import { Scope } from './scope';
import { classify } from './statement-kinds';
import type { RangeVar } from '@pgsql/types';

/** Handles one node type; must see to every child that can hide an effect (see Walker.walkFields). */
export type NodeHandler = (body: Obj, w: Walker) => void;
/** A guardrail check run on every node of a type, before its handler. */
export type NodeCheck = (body: Obj, w: Walker) => void;

/** What nested statements written as text (DO bodies, constant EXECUTE strings) need from the analyser. */
export interface TextContext {
  /** Byte offsets of constants in this text, for the literal normaliser's cross-check. */
  readonly constLocations: number[];
  /** Byte offsets of numeric type modifiers (`varchar(255)`), kept by the normaliser. */
  readonly typmodLocations: number[];
  /** Tables created earlier in the same client string (migration rules do not apply to them). */
  readonly createdTables: TableRef[];
  /** How many texts deep this one is (a DO body is one deeper than the statement holding it). */
  readonly textDepth: number;
  readonly prepared: ((name: string) => StatementFacts | undefined) | undefined;
  /**
   * Set when a fact was derived from a literal's value (a constant WHERE condition, a
   * sequence or setting named in a string): such an analysis holds for this exact text only.
   */
  literalSensitive: boolean;
  /** Parse and analyse SQL text found inside a statement; a string is a parse failure reason. */
  analyseText(sql: string): FactsCollector[] | string;
  /** Parse a PL/pgSQL function definition; a string is a parse failure reason. */
  parsePlpgsql(createFunctionSql: string): unknown;
  /** Parse SQL text into libpg-query's tree; a string is a parse failure reason. */
  parse(sql: string): unknown;
  /** The text of the top-level statement being analysed (CREATE FUNCTION bodies are re-parsed from it). */
  statementText: string;
}

export interface HandlerRegistry {
  readonly handlers: Readonly<Record<string, NodeHandler>>;
  readonly checks: Readonly<Record<string, readonly NodeCheck[]>>;
}

/** Deeper trees than this are not analysed (the parser's own stack limit is close to it). */
const MAX_NODE_DEPTH = 2000;

export type TableRole = 'read' | 'write';

/** Walks one statement's tree, dispatching node types to handlers and guardrail checks. */
export class Walker {
  readonly facts: FactsCollector;
  readonly ctx: TextContext;
  readonly registry: HandlerRegistry;
  scope: Scope;
  role: ColumnRole = 'other';
  /** How a bare relation met outside a FROM clause counts (the target of most DDL is written). */
  tableRole: TableRole = 'read';
  #depth = 0;

  constructor(
    ctx: TextContext,
    registry: HandlerRegistry,
    facts: FactsCollector,
    scope: Scope | null = null,
  ) {
    this.ctx = ctx;
    this.registry = registry;
    this.facts = facts;
    this.scope = scope ?? new Scope(null);
  }

  walk(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) this.walk(item);
      return;
    }
    const type = nodeType(value);
    if (type !== null) {
      this.dispatch(type, (value as Obj)[type]);
      return;
    }
    if (isRangeVarBody(value)) {
      this.relation(value, this.tableRole);
      return;
    }
    // Bare structs in typed fields are not wrapped; a TypeName is recognised by shape.
    if (isTypeNameBody(value)) {
      this.dispatch('TypeName', value);
      return;
    }
    this.walkFields(value as Obj);
  }

  dispatch(type: string, body: unknown): void {
    if (!isObj(body)) return;
    if (++this.#depth > MAX_NODE_DEPTH) {
      this.facts.unknown('the statement is nested too deeply to analyse');
      this.#depth--;
      return;
    }
    const checks = this.registry.checks[type];
    if (checks !== undefined) for (const check of checks) check(body, this);
    const handler = this.registry.handlers[type];
    if (handler !== undefined) handler(body, this);
    else this.walkFields(body);
    this.#depth--;
  }

  /** Walk every field of a node except those a handler has already seen to. */
  walkFields(body: Obj, handled?: ReadonlySet<string>): void {
    for (const key in body) {
      if (handled !== undefined && handled.has(key)) continue;
      const v = body[key];
      if (typeof v === 'object' && v !== null) this.walk(v);
    }
  }

  walkAs(value: unknown, role: ColumnRole): void {
    if (value === undefined || value === null) return;
    const saved = this.role;
    this.role = role;
    this.walk(value);
    this.role = saved;
  }

  /** Run `fn` in a new query level whose names hide nothing outside it but add their own. */
  inQuery(fn: () => void): void {
    const saved = this.scope;
    const savedRole = this.role;
    this.scope = new Scope(saved);
    try {
      fn();
    } finally {
      this.scope = saved;
      this.role = savedRole;
    }
  }

  withTableRole(role: TableRole, fn: () => void): void {
    const saved = this.tableRole;
    this.tableRole = role;
    try {
      fn();
    } finally {
      this.tableRole = saved;
    }
  }

  /** Record a relation that is certainly a table (never a CTE): DML targets, DDL targets. */
  relation(rv: RangeVar, role: TableRole): TableRef {
    const t = tableFromRangeVar(rv);
    if (role === 'write') this.facts.written(t);
    else this.facts.read(t);
    return t;
  }

  /** Analyse a statement nested in this one (EXPLAIN's, PREPARE's, COPY's query) with its own facts. */
  nested(node: unknown): FactsCollector {
    return analyseStatementNode(node, this.ctx, this.registry, this.scope);
  }
}

/** Analyse one statement node (a wrapped `{ "SelectStmt": ... }`) into its facts. */
export function analyseStatementNode(
  node: unknown,
  ctx: TextContext,
  registry: HandlerRegistry,
  outer: Scope | null = null,
): FactsCollector {
  const type = nodeType(node);
  const c = classify(type ?? '', type === null ? undefined : (node as Obj)[type]);
  const facts = new FactsCollector(c.kind, c.command);
  if (!c.known) facts.unknown('the statement type is not one Gatehouse knows');
  const w = new Walker(ctx, registry, facts, outer === null ? null : new Scope(outer));
  w.tableRole =
    c.kind === 'read' || c.kind === 'utility' || c.kind === 'session' || c.kind === 'transaction'
      ? 'read'
      : 'write';
  w.walk(node);
  return facts;
}
