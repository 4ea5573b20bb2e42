import type { OutputColumn } from '../data-flow';
import { columnName, type FlowTracer } from './lineage-expressions';
import {
  combine,
  fromOutput,
  itemColumn,
  LineageScope,
  NONE,
  UNKNOWN,
  type Flow,
  type ScopeItem,
} from './lineage-scope';
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
import type { A_Const } from '@pgsql/types';

/**
 * Result columns of queries (SELECT, set operations, VALUES, TABLE) with the
 * lineage of each: FROM items, subqueries and CTEs are followed so that a
 * column keeps its sources through aliases, `*` and nesting.
 */

/** A data-modifying statement used as a query (a CTE's `DELETE ... RETURNING`): traced by the statement tracer. */
export type ReturningTracer = (node: unknown, t: FlowTracer) => readonly OutputColumn[] | null;

let returningTracer: ReturningTracer = () => null;

/** Lets the statement tracer handle INSERT/UPDATE/DELETE/MERGE met where a query is expected. */
export function setReturningTracer(fn: ReturningTracer): void {
  returningTracer = fn;
}

/** Result columns of a query node (wrapped or a bare SelectStmt struct), in a new scope under the tracer's. */
export function traceQuery(node: unknown, t: FlowTracer): readonly OutputColumn[] | null {
  const type = nodeType(node);
  if (type === null) return isObj(node) ? selectStmt(node, t) : null;
  if (type === 'SelectStmt') return selectStmt((node as Obj)[type] as Obj, t);
  return returningTracer(node, t);
}

export function inScope<T>(t: FlowTracer, fn: () => T): T {
  const saved = t.scope;
  t.scope = new LineageScope(saved);
  try {
    return fn();
  } finally {
    t.scope = saved;
  }
}

const CONSTANT: Flow = NONE;

export function toOutput(name: string, flow: Flow): OutputColumn {
  const lineage = flow.kind === 'none' ? 'derived' : flow.kind;
  return flow.transformed === true
    ? { name, lineage, sources: flow.sources, transformed: true }
    : { name, lineage, sources: flow.sources };
}

export function selectStmt(b: Obj, t: FlowTracer): readonly OutputColumn[] | null {
  return inScope(t, () => {
    if (isObj(b.withClause)) withClause(b.withClause, t);
    let outputs: readonly OutputColumn[] | null;
    if (typeof b.op === 'string' && b.op !== 'SETOP_NONE') {
      outputs = setOperation(traceQuery(b.larg, t), traceQuery(b.rarg, t));
    } else {
      for (const item of list(b.fromClause)) fromItem(item, t);
      outputs = b.valuesLists !== undefined ? values(b.valuesLists, t) : targets(b.targetList, t);
      t.withClause('predicate', () => t.expr(b.whereClause));
      t.withClause('grouping', () => byOutput(b.groupClause, outputs, t));
      t.withClause('predicate', () => t.expr(b.havingClause));
      t.withClause('grouping', () => t.expr(b.windowClause));
      t.withClause('grouping', () => t.expr(b.distinctClause));
    }
    t.withClause('ordering', () => byOutput(b.sortClause, outputs, t));
    t.withClause('other', () => {
      t.expr(b.limitOffset);
      t.expr(b.limitCount);
    });
    return outputs;
  });
}

/** ORDER BY / GROUP BY items: an ordinal or an output name refers to that result column. */
function byOutput(items: unknown, outputs: readonly OutputColumn[] | null, t: FlowTracer): void {
  for (const item of list(items)) {
    const node = asNode(item, 'SortBy')?.node ?? item;
    const c = asNode(node, 'A_Const');
    const ref = asNode(node, 'ColumnRef');
    let output: OutputColumn | undefined;
    if (c !== null && outputs !== null) {
      t.constantsMatter = true;
      const v = constValue(c as A_Const);
      if (v.type === 'number') output = outputs[v.value - 1];
    } else if (ref !== null && outputs !== null && list(ref.fields).length === 1) {
      const name = stringNode(list(ref.fields)[0]);
      output = outputs.find((o) => o.name === name && o.star === undefined);
    }
    if (output !== undefined) t.use(fromOutput(output));
    else t.expr(item);
  }
}

function targets(targetList: unknown, t: FlowTracer): OutputColumn[] {
  const outputs: OutputColumn[] = [];
  for (const entry of list(targetList)) {
    const rt = asNode(entry, 'ResTarget');
    if (rt === null) continue;
    const ref = asNode(rt.val, 'ColumnRef');
    const fields = ref === null ? [] : list(ref.fields);
    if (ref !== null && asNode(fields[fields.length - 1], 'A_Star') !== null) {
      outputs.push(...star(fields.length === 1 ? null : (stringNode(fields[fields.length - 2]) ?? ''), t));
      continue;
    }
    const flow = t.withClause('output', () => t.expr(rt.val));
    outputs.push(toOutput(typeof rt.name === 'string' ? rt.name : columnName(rt.val), flow));
  }
  return outputs;
}

/** `*` (every FROM item of this query) or `q.*`. */
function star(qualifier: string | null, t: FlowTracer): OutputColumn[] {
  if (qualifier === null) {
    // RETURNING * is a select list whose FROM items are its statement's, one level up.
    let scope: LineageScope | null = t.scope;
    while (scope !== null && scope.items.length === 0) scope = scope.parent;
    return (scope?.items ?? []).filter((i) => !i.qualifiedOnly && i.kind !== 'join').flatMap(starOf);
  }
  const item = t.scope.find(qualifier);
  return item === null ? [{ name: '*', lineage: 'unknown', sources: [], star: [] }] : starOf(item);
}

function starOf(item: ScopeItem): OutputColumn[] {
  switch (item.kind) {
    case 'relation': {
      // `users u(a, b)`: the listed columns by position, then the rest under their own names.
      const renamed = (item.columns ?? []).map((name, k) =>
        toOutput(name, {
          kind: 'direct',
          sources: [{ table: item.table ?? null, column: '*', position: k + 1 }],
        }),
      );
      return [...renamed, { name: '*', lineage: 'direct', sources: [], star: [item.table ?? ''] }];
    }
    case 'query':
      return item.outputs ? [...item.outputs] : [{ name: '*', lineage: 'unknown', sources: [], star: [] }];
    case 'function': {
      const flow = item.flow ?? UNKNOWN;
      return [
        {
          name: '*',
          lineage: flow.sources.length > 0 ? 'derived' : 'unknown',
          sources: flow.sources,
          star: [],
        },
      ];
    }
    case 'join':
      return (item.members ?? []).flatMap(starOf);
  }
}

/** UNION / INTERSECT / EXCEPT: column k comes from column k of either branch. */
function setOperation(
  l: readonly OutputColumn[] | null,
  r: readonly OutputColumn[] | null,
): readonly OutputColumn[] | null {
  if (l === null || r === null) return null;
  const shape = (os: readonly OutputColumn[]): string => os.map((o) => (o.star ? '*' : '.')).join('');
  if (shape(l) === shape(r)) {
    return l.map((o, i) => {
      const other = r[i] as OutputColumn;
      if (o.star !== undefined) {
        return {
          ...o,
          lineage: 'derived',
          sources: [...o.sources, ...other.sources],
          star: [...o.star, ...(other.star ?? [])],
        };
      }
      return toOutput(o.name, combine([fromOutput(o), fromOutput(other)]));
    });
  }
  // Branches of different shapes (`SELECT * ... UNION SELECT a, b ...`): each result column is the
  // same-named column of a table either branch expands.
  const tables = [...l, ...r].flatMap((o) => o.star ?? []);
  return [{ name: '*', lineage: tables.length > 0 ? 'derived' : 'unknown', sources: [], star: tables }];
}

/** VALUES rows: column k (`column1`, ...) comes from the k-th item of every row. */
function values(rows: unknown, t: FlowTracer): OutputColumn[] {
  const columns: Flow[][] = [];
  for (const row of list(rows)) {
    const items = list(asNode(row, 'List')?.items ?? row);
    items.forEach((item, i) => (columns[i] ??= []).push(t.withClause('output', () => t.expr(item))));
  }
  return columns.map((flows, i) => toOutput(`column${i + 1}`, combine(flows)));
}

/** Renames result columns as `alias(a, b)` does; extra outputs keep their names. */
function renamed(outputs: readonly OutputColumn[] | null, colnames: unknown): readonly OutputColumn[] | null {
  const names = list(colnames).map((n) => stringNode(n));
  if (outputs === null || names.length === 0) return outputs;
  if (outputs.some((o) => o.star !== undefined)) return null;
  return outputs.map((o, i) => (names[i] ? { ...o, name: names[i] as string } : o));
}

/** WITH: each CTE's result columns, visible by name to later CTEs and the main query. */
export function withClause(wc: Obj, t: FlowTracer): void {
  const recursive = wc.recursive === true;
  for (const c of list(wc.ctes)) {
    const cte = asNode(c, 'CommonTableExpr');
    if (cte === null || typeof cte.ctename !== 'string') continue;
    // A recursive reference inside its own definition is not traced (the first branch carries the lineage).
    if (recursive) t.scope.addCte(cte.ctename, null);
    const outputs = t.withClause('output', () => traceQuery(cte.ctequery, t));
    t.scope.addCte(cte.ctename, renamed(outputs, cte.aliascolnames));
  }
}

function aliasOf(node: Obj): { name: string | null; colnames: unknown } {
  const alias = isObj(node.alias) ? node.alias : null;
  return { name: typeof alias?.aliasname === 'string' ? alias.aliasname : null, colnames: alias?.colnames };
}

/** Registers one FROM item (and what it covers) in the tracer's scope. */
export function fromItem(node: unknown, t: FlowTracer): void {
  let type = nodeType(node);
  const body = nodeBody<Obj>(node);
  if (!isObj(body)) return;
  if (type === null && isRangeVarBody(body)) type = 'RangeVar';
  const { name, colnames } = aliasOf(body);
  switch (type) {
    case 'RangeVar': {
      const relname = typeof body.relname === 'string' ? body.relname : '';
      const schema = typeof body.schemaname === 'string' ? body.schemaname : null;
      const visible = name ?? relname;
      const cte = schema === null ? t.scope.cte(relname) : undefined;
      if (cte !== undefined) {
        t.scope.add({ name: visible, kind: 'query', outputs: renamed(cte, colnames) });
      } else if (list(colnames).length > 0) {
        // `users u(a, b)` renames the table's first columns: `a` is column 1 of users (see itemColumn).
        const columns = list(colnames).map((c) => stringNode(c) ?? '');
        t.scope.add({ name: visible, kind: 'relation', table: qualified(schema, relname), columns });
      } else {
        t.scope.add({ name: visible, kind: 'relation', table: qualified(schema, relname) });
      }
      return;
    }
    case 'RangeSubselect': {
      const outputs = traceQuery(body.subquery, t);
      t.scope.add({ name: name ?? '', kind: 'query', outputs: renamed(outputs, colnames) });
      return;
    }
    case 'RangeFunction': {
      const flows: Flow[] = [];
      for (const f of list(body.functions)) {
        const items = list(asNode(f, 'List')?.items ?? f);
        flows.push(t.withClause('other', () => t.expr(items[0])));
      }
      const columns = list(colnames).flatMap((c) => stringNode(c) ?? []);
      t.scope.add({ name: name ?? functionAlias(body), kind: 'function', flow: combine(flows), columns });
      return;
    }
    case 'JoinExpr': {
      const before = t.scope.items.length;
      fromItem(body.larg, t);
      fromItem(body.rarg, t);
      const members = t.scope.items.slice(before);
      for (const u of list(body.usingClause)) {
        const column = stringNode(u);
        if (column !== null) t.withClause('predicate', () => t.use(combineDirect(members, column)));
      }
      t.withClause('predicate', () => t.expr(body.quals));
      if (name !== null) t.scope.add({ name, kind: 'join', members });
      return;
    }
    case 'RangeTableSample':
      fromItem(body.relation, t);
      t.withClause('other', () => t.expr(body.args));
      return;
    default: {
      // XMLTABLE, JSON_TABLE and anything newer: columns computed from what the item reads.
      const flow = t.withClause('other', () => t.expr(node));
      t.scope.add({ name: name ?? '', kind: 'function', flow });
    }
  }
}

function combineDirect(members: readonly ScopeItem[], column: string): Flow {
  const sources = members.flatMap((m) => (m.kind === 'relation' ? itemColumn(m, column).sources : []));
  return sources.length > 0 ? { kind: 'direct', sources } : CONSTANT;
}

function functionAlias(body: Obj): string {
  const first = list(asNode(list(body.functions)[0], 'List')?.items)[0];
  return columnName(first, '');
}

export function qualified(schema: string | null, name: string): string {
  return schema === null ? name : `${schema}.${name}`;
}
