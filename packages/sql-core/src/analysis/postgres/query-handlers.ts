import type {
  A_Const,
  DeleteStmt,
  InsertStmt,
  MergeStmt,
  RangeVar,
  ReturningClause,
  SelectStmt,
  UpdateStmt,
  WithClause,
} from '@pgsql/types';
import type { TableRef } from '../statement-facts';
import {
  asNode,
  constValue,
  isObj,
  isRangeVarBody,
  list,
  nodeBody,
  nodeType,
  stringNode,
  type Obj,
} from './pg-node';
import type { NodeHandler, Walker } from './walker';

/**
 * SELECT and the data-changing statements: which tables they read and write, which names are
 * CTEs, and where each column is used. Every handler ends with walkFields(body, HANDLED) so a
 * field it does not know (a new PostgreSQL clause) is still searched for effects.
 */

function handled(...keys: string[]): ReadonlySet<string> {
  return new Set(keys);
}

const SELECT_HANDLED = handled(
  'withClause',
  'larg',
  'rarg',
  'fromClause',
  'targetList',
  'intoClause',
  'whereClause',
  'groupClause',
  'havingClause',
  'windowClause',
  'sortClause',
  'distinctClause',
  'valuesLists',
  'limitOffset',
  'limitCount',
  'lockingClause',
);

function selectStmt(body: Obj, w: Walker): void {
  const b = body as SelectStmt;
  w.inQuery(() => {
    if (b.withClause) withClause(b.withClause, w);
    // Set operations: each branch is a query of its own (bare SelectStmt structs).
    if (b.larg) w.dispatch('SelectStmt', b.larg);
    if (b.rarg) w.dispatch('SelectStmt', b.rarg);
    for (const item of list(b.fromClause)) fromItem(item, w);
    w.walkAs(b.valuesLists, 'other');
    w.walkAs(b.targetList, 'output');
    if (b.intoClause?.rel) {
      // SELECT INTO creates a table: a definition and a write (see docs/analysis.md).
      const t = w.relation(b.intoClause.rel, 'write');
      w.facts.raise('ddl');
      w.ctx.createdTables.push(t);
    }
    w.walkAs(b.whereClause, 'predicate');
    w.walkAs(b.groupClause, 'grouping');
    w.walkAs(b.havingClause, 'predicate');
    w.walkAs(b.windowClause, 'grouping');
    w.walkAs(b.sortClause, 'ordering');
    w.walkAs(b.distinctClause, 'grouping');
    w.walkAs(b.limitOffset, 'other');
    w.walkAs(b.limitCount, 'other');
    // FOR UPDATE OF x names FROM items, not tables; its lockedRels are not walked as relations.
    w.walkFields(body, SELECT_HANDLED);
  });
}

/**
 * WITH: a non-recursive CTE sees only the CTEs before it (a later CTE's name still means a
 * table there); WITH RECURSIVE makes every name visible everywhere. The main query sees all.
 */
export function withClause(wc: WithClause, w: Walker): void {
  const ctes = list(wc.ctes);
  const names = ctes.map((c) => {
    const body = asNode(c, 'CommonTableExpr');
    return typeof body?.ctename === 'string' ? body.ctename : '';
  });
  if (wc.recursive) for (const n of names) w.scope.addCte(n);
  ctes.forEach((c, i) => {
    w.walk(c);
    if (!wc.recursive) w.scope.addCte(names[i] ?? '');
  });
}

const CTE_HANDLED = handled('ctequery');

function commonTableExpr(body: Obj, w: Walker): void {
  w.inQuery(() => w.walk(body.ctequery));
  w.walkFields(body, CTE_HANDLED);
}

/** One FROM item: registers its name for column resolution and records the tables it reads. */
export function fromItem(node: unknown, w: Walker): void {
  const type = nodeType(node);
  const body = nodeBody<Obj>(node);
  if (!isObj(body)) return;
  switch (type) {
    case 'RangeVar': {
      const rv = body as RangeVar;
      const visibleName = rv.alias?.aliasname ?? rv.relname ?? '';
      if (!rv.schemaname && !rv.catalogname && w.scope.isCte(rv.relname ?? '')) {
        w.scope.addSource(visibleName, null);
      } else {
        w.scope.addSource(visibleName, w.relation(rv, 'read'));
      }
      return;
    }
    case 'JoinExpr': {
      fromItem(body.larg, w);
      fromItem(body.rarg, w);
      w.walkAs(body.quals, 'predicate');
      const alias = aliasName(body.alias);
      if (alias !== null) w.scope.addSource(alias, null);
      w.walkFields(body, JOIN_HANDLED);
      return;
    }
    case 'RangeTableSample':
      fromItem(body.relation, w);
      w.walkFields(body, SAMPLE_HANDLED);
      return;
    default: {
      // Subqueries, functions, XMLTABLE, JSON_TABLE: walked for effects; their alias hides no table.
      if (type === null && isRangeVarBody(body)) {
        fromItem({ RangeVar: body }, w);
        return;
      }
      w.walk(node);
      const alias = aliasName(body.alias);
      if (alias !== null) w.scope.addSource(alias, null);
    }
  }
}

const JOIN_HANDLED = handled('larg', 'rarg', 'quals');
const SAMPLE_HANDLED = handled('relation');

function aliasName(alias: unknown): string | null {
  return isObj(alias) && typeof alias.aliasname === 'string' ? alias.aliasname : null;
}

/** The target of INSERT/UPDATE/DELETE/MERGE: always a table, never a CTE, whatever WITH defines. */
function target(rv: RangeVar | undefined, w: Walker): TableRef | null {
  if (rv === undefined) return null;
  const t = w.relation(rv, 'write');
  w.scope.addSource(rv.alias?.aliasname ?? rv.relname ?? '', t);
  w.facts.raise('write');
  return t;
}

/** SET col = ..., INSERT (col, ...), MERGE ... SET: the named columns are assigned. */
function assignments(targetList: unknown, table: TableRef | null, w: Walker): void {
  for (const item of list(targetList)) {
    const rt = asNode(item, 'ResTarget');
    if (rt === null) {
      w.walkAs(item, 'other');
      continue;
    }
    if (typeof rt.name === 'string') w.facts.column(table, rt.name, 'assignment');
    w.walkAs(rt.indirection, 'other');
    w.walkAs(rt.val, 'other');
  }
}

function returning(rc: ReturningClause | undefined, table: TableRef | null, w: Walker): void {
  if (rc === undefined) return;
  // RETURNING hands rows of the target back to the client: the target is read too.
  if (table !== null) w.facts.read(table);
  for (const o of list(rc.options)) {
    const opt = asNode(o, 'ReturningOption');
    if (typeof opt?.value === 'string') w.scope.addSource(opt.value, table, true);
  }
  w.walkAs(rc.exprs, 'output');
}

const INSERT_HANDLED = handled(
  'withClause',
  'relation',
  'cols',
  'selectStmt',
  'onConflictClause',
  'returningClause',
);

function insertStmt(body: Obj, w: Walker): void {
  const b = body as InsertStmt;
  w.inQuery(() => {
    if (b.withClause) withClause(b.withClause, w);
    // The source query cannot see the target: walk it before the target is in scope.
    w.walk(b.selectStmt);
    const t = target(b.relation, w);
    assignments(b.cols, t, w);
    const oc = b.onConflictClause;
    if (oc !== undefined) {
      // `excluded` is the row proposed for insertion; it must be written qualified.
      w.scope.addSource('excluded', t, true);
      w.walkAs(oc.infer, 'other');
      assignments(oc.targetList, t, w);
      w.walkAs(oc.whereClause, 'predicate');
    }
    returning(b.returningClause, t, w);
    w.walkFields(body, INSERT_HANDLED);
  });
}

const UPDATE_HANDLED = handled(
  'withClause',
  'relation',
  'targetList',
  'fromClause',
  'whereClause',
  'returningClause',
);

function updateStmt(body: Obj, w: Walker): void {
  const b = body as UpdateStmt;
  w.inQuery(() => {
    if (b.withClause) withClause(b.withClause, w);
    const t = target(b.relation, w);
    for (const item of list(b.fromClause)) fromItem(item, w);
    assignments(b.targetList, t, w);
    w.walkAs(b.whereClause, 'predicate');
    returning(b.returningClause, t, w);
    w.walkFields(body, UPDATE_HANDLED);
  });
}

const DELETE_HANDLED = handled('withClause', 'relation', 'usingClause', 'whereClause', 'returningClause');

function deleteStmt(body: Obj, w: Walker): void {
  const b = body as DeleteStmt;
  w.inQuery(() => {
    if (b.withClause) withClause(b.withClause, w);
    const t = target(b.relation, w);
    for (const item of list(b.usingClause)) fromItem(item, w);
    w.walkAs(b.whereClause, 'predicate');
    returning(b.returningClause, t, w);
    w.walkFields(body, DELETE_HANDLED);
  });
}

const MERGE_HANDLED = handled(
  'withClause',
  'relation',
  'sourceRelation',
  'joinCondition',
  'mergeWhenClauses',
  'returningClause',
);

function mergeStmt(body: Obj, w: Walker): void {
  const b = body as MergeStmt;
  w.inQuery(() => {
    if (b.withClause) withClause(b.withClause, w);
    const t = target(b.relation, w);
    fromItem(b.sourceRelation, w);
    w.walkAs(b.joinCondition, 'predicate');
    for (const clause of list(b.mergeWhenClauses)) {
      const mw = asNode(clause, 'MergeWhenClause');
      if (mw === null) continue;
      w.walkAs(mw.condition, 'predicate');
      assignments(mw.targetList, t, w);
      w.walkAs(mw.values, 'other');
    }
    returning(b.returningClause, t, w);
    w.walkFields(body, MERGE_HANDLED);
  });
}

function columnRef(body: Obj, w: Walker): void {
  const names: string[] = [];
  for (const f of list(body.fields)) {
    const s = stringNode(f);
    names.push(s ?? (asNode(f, 'A_Star') !== null ? '*' : ''));
  }
  const column = names[names.length - 1];
  if (column === undefined) return;
  w.facts.column(w.scope.resolve(names), column, w.role);
}

function aConst(body: Obj, w: Walker): void {
  const c = body as A_Const;
  if (typeof c.location !== 'number' || c.location < 0) return;
  const v = constValue(c);
  if (v.type === 'number' || v.type === 'string' || v.type === 'bits') w.ctx.constLocations.push(c.location);
}

function typeName(body: Obj, w: Walker): void {
  for (const m of list(body.typmods)) {
    const c = asNode(m, 'A_Const');
    if (c !== null && typeof c.location === 'number') w.ctx.typmodLocations.push(c.location);
  }
  w.walkFields(body);
}

function lockingClause(): void {
  // FOR UPDATE OF names FROM items already recorded; nothing else in the clause can hide an effect.
}

export const QUERY_HANDLERS: Readonly<Record<string, NodeHandler>> = {
  SelectStmt: selectStmt,
  InsertStmt: insertStmt,
  UpdateStmt: updateStmt,
  DeleteStmt: deleteStmt,
  MergeStmt: mergeStmt,
  CommonTableExpr: commonTableExpr,
  ColumnRef: columnRef,
  A_Const: aConst,
  TypeName: typeName,
  LockingClause: lockingClause,
};
