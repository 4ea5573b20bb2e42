import type { A_Const, DefElem } from '@pgsql/types';
import { scanSync } from 'libpg-query';
import type { CopyFormat, OutputColumn, SourceColumn, StatementDataFlow } from '../data-flow';
import { FlowTracer } from './lineage-expressions';
import { fromOutput, NONE, UNKNOWN, type Flow } from './lineage-scope';
import {
  fromItem,
  inScope,
  qualified,
  selectStmt,
  setReturningTracer,
  traceQuery,
  withClause,
} from './lineage-queries';
import {
  asNode,
  constValue,
  defElemBool,
  defElems,
  isObj,
  list,
  nodeType,
  stringNode,
  type Obj,
} from './pg-node';
import { quoteIdentifier } from './identifiers';

/** DECLARE ... BINARY: CURSOR_OPT_BINARY in DeclareCursorStmt.options. */
const CURSOR_OPT_BINARY = 0x0001;
/** String constants collected per written value, at most (placeholder checks need only a few). */
const MAX_LITERALS = 64;

interface Extra {
  declares?: string;
  binaryCursor?: boolean;
  fetches?: string;
  closes?: string;
  prepares?: string;
  executes?: string;
  copyOut?: CopyFormat;
}

/** Traces one statement node (`{ "SelectStmt": ... }`, its text `text`) into what masking needs to know of it. */
export function traceStatement(node: unknown, text = ''): StatementDataFlow {
  const t = new FlowTracer();
  t.subquery = (n) => traceQuery(n, t);
  const extra: Extra = {};
  let outputs: readonly OutputColumn[] | null = null;
  try {
    outputs = statement(node, t, extra, text);
  } catch {
    // A tree shape nobody foresaw: nothing is traced, so every column is scanned (unknown lineage).
    outputs = null;
  }
  const constantsMatter =
    t.constantsMatter || extra.copyOut !== undefined || nodeType(node) === 'ExplainStmt';
  return Object.freeze({
    outputs,
    ...extra,
    uses: t.uses,
    stores: t.stores,
    calls: t.calls,
    sleeps: t.sleeps,
    ...(constantsMatter ? { constantsMatter } : {}),
  });
}

function statement(node: unknown, t: FlowTracer, extra: Extra, text = ''): readonly OutputColumn[] | null {
  const type = nodeType(node);
  if (type === null) return null;
  const b = (node as Obj)[type];
  if (!isObj(b)) return null;
  switch (type) {
    case 'SelectStmt': {
      const outputs = selectStmt(b, t);
      const into = isObj(b.intoClause) ? b.intoClause : null;
      if (into === null) return outputs;
      // SELECT INTO creates a table from the rows and returns none.
      storeOutputs(t, into, outputs, b);
      return null;
    }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return modify(type, b, t);
    case 'CopyStmt':
      return copy(b, t, extra, text);
    case 'DeclareCursorStmt':
      if (typeof b.portalname === 'string') extra.declares = b.portalname;
      if (typeof b.options === 'number' && (b.options & CURSOR_OPT_BINARY) !== 0) extra.binaryCursor = true;
      return traceQuery(b.query, t);
    case 'FetchStmt':
      if (b.ismove !== true && typeof b.portalname === 'string') extra.fetches = b.portalname;
      return null;
    case 'ClosePortalStmt':
      extra.closes = typeof b.portalname === 'string' ? b.portalname : '*';
      return null;
    case 'PrepareStmt':
      if (typeof b.name === 'string') extra.prepares = b.name;
      return statement(b.query, t, {});
    case 'ExecuteStmt':
      if (typeof b.name === 'string') extra.executes = b.name;
      t.withClause('other', () => t.expr(b.params));
      return null;
    case 'ExplainStmt': {
      // Only EXPLAIN ANALYZE runs the statement; its plan text is the result (scanned).
      const analyze = defElems(b.options).some((d) => d.defname === 'analyze' && defElemBool(d) !== false);
      const inner = new FlowTracer();
      inner.subquery = (n) => traceQuery(n, inner);
      statement(b.query, inner, {});
      t.uses.push(...inner.uses);
      t.calls.push(...inner.calls);
      if (inner.sleeps && analyze) t.sleeps = true;
      if (analyze) t.stores.push(...inner.stores);
      return null;
    }
    case 'CreateTableAsStmt': {
      const into = isObj(b.into) ? b.into : null;
      if (asNode(b.query, 'ExecuteStmt') !== null) {
        // CREATE TABLE AS EXECUTE: the prepared statement's columns are not known here.
        const table = tableOf(into?.rel);
        t.stores.push({ table, column: null, sources: [{ table: null, column: '*' }], literals: [] });
        return null;
      }
      storeOutputs(t, into, traceQuery(b.query, t), asNode(b.query, 'SelectStmt'));
      return null;
    }
    case 'CallStmt':
      t.withClause('other', () => t.expr(b.funccall));
      return null;
    default:
      return null;
  }
}

function tableOf(rel: unknown): string | null {
  if (!isObj(rel) || typeof rel.relname !== 'string') return null;
  return qualified(typeof rel.schemaname === 'string' ? rel.schemaname : null, rel.relname);
}

/** CREATE TABLE AS / SELECT INTO: each result column becomes a column of the new table. */
function storeOutputs(
  t: FlowTracer,
  into: Obj | null,
  outputs: readonly OutputColumn[] | null,
  select: Obj | null,
): void {
  const table = tableOf(into?.rel);
  const names = list(into?.colNames).map((n) => stringNode(n));
  const literals = literalsOf(select?.targetList ?? select?.valuesLists);
  if (outputs === null) {
    t.stores.push({ table, column: null, sources: [{ table: null, column: '*' }], literals });
    return;
  }
  outputs.forEach((o, i) => {
    if (o.star !== undefined) {
      // `*` copies columns under their own names: stored as the same columns of a new table.
      const sources = o.star.map((s) => ({ table: s, column: '*' }));
      t.stores.push({ table, column: '*', sources: [...sources, ...o.sources], literals: [] });
      return;
    }
    t.stores.push({ table, column: names[i] ?? o.name, sources: o.sources, literals });
  });
}

/** INSERT, UPDATE, DELETE, MERGE: values stored per column, and RETURNING's result columns. */
function modify(type: string, b: Obj, t: FlowTracer): readonly OutputColumn[] | null {
  return inScope(t, () => {
    if (isObj(b.withClause)) withClause(b.withClause, t);
    const rel = isObj(b.relation) ? b.relation : null;
    const table = tableOf(rel) ?? '';
    const alias = isObj(rel?.alias) && typeof rel.alias.aliasname === 'string' ? rel.alias.aliasname : null;
    if (type === 'InsertStmt') {
      // The source query cannot see the target.
      const rows = t.withClause('output', () => traceQuery(b.selectStmt, t));
      const select = asNode(b.selectStmt, 'SelectStmt');
      const cols = list(b.cols).map((c) => asNode(c, 'ResTarget')?.name);
      insertStores(t, table, cols, rows, select);
    }
    t.scope.add({
      name: alias ?? (typeof rel?.relname === 'string' ? rel.relname : ''),
      kind: 'relation',
      table,
    });
    for (const item of list(b.fromClause)) fromItem(item, t);
    for (const item of list(b.usingClause)) fromItem(item, t);
    if (b.sourceRelation !== undefined) fromItem(b.sourceRelation, t);
    if (type === 'UpdateStmt') assignments(t, table, b.targetList);
    const conflict = isObj(b.onConflictClause) ? b.onConflictClause : null;
    if (conflict !== null) {
      t.scope.add({ name: 'excluded', kind: 'relation', table, qualifiedOnly: true });
      t.withClause('other', () => t.expr(conflict.infer));
      assignments(t, table, conflict.targetList);
      t.withClause('predicate', () => t.expr(conflict.whereClause));
    }
    t.withClause('predicate', () => t.expr(b.whereClause));
    t.withClause('predicate', () => t.expr(b.joinCondition));
    for (const clause of list(b.mergeWhenClauses)) mergeWhen(t, table, asNode(clause, 'MergeWhenClause'));
    const returning = isObj(b.returningClause) ? b.returningClause.exprs : b.returningList;
    if (returning === undefined) return null;
    for (const o of list(isObj(b.returningClause) ? b.returningClause.options : undefined)) {
      const opt = asNode(o, 'ReturningOption');
      if (typeof opt?.value === 'string')
        t.scope.add({ name: opt.value, kind: 'relation', table, qualifiedOnly: true });
    }
    return selectLike(returning, t);
  });
}

/** RETURNING's list is a select list over the target (and FROM/USING items). */
function selectLike(targetList: unknown, t: FlowTracer): readonly OutputColumn[] | null {
  // A select with no FROM of its own: its scope's parent is this statement's.
  return selectStmt({ targetList }, t);
}

function insertStores(
  t: FlowTracer,
  table: string,
  cols: readonly unknown[],
  rows: readonly OutputColumn[] | null,
  select: Obj | null,
): void {
  const valueRows = list(select?.valuesLists).map((r) => list(asNode(r, 'List')?.items ?? r));
  const targetList = list(select?.targetList);
  const width = Math.max(cols.length, rows?.length ?? 0, ...valueRows.map((r) => r.length));
  for (let i = 0; i < width; i++) {
    const column = typeof cols[i] === 'string' ? (cols[i] as string) : null;
    const output = rows?.[i];
    const literals = literalsOf([...valueRows.map((r) => r[i]), asNode(targetList[i], 'ResTarget')?.val]);
    if (output?.star !== undefined) {
      const sources: SourceColumn[] = [
        ...output.star.map((s) => ({ table: s, column: '*' })),
        ...output.sources,
      ];
      t.stores.push({ table, column: null, sources, literals });
      continue;
    }
    t.stores.push({
      table,
      column,
      sources: output?.sources ?? (rows === null ? [{ table: null, column: '*' }] : []),
      literals,
    });
  }
}

/** SET col = expr, SET (a, b) = (SELECT ...): what each assigned column receives. */
function assignments(t: FlowTracer, table: string, targetList: unknown): void {
  const multi = new Map<unknown, readonly OutputColumn[] | null>();
  for (const entry of list(targetList)) {
    const rt = asNode(entry, 'ResTarget');
    if (rt === null || typeof rt.name !== 'string') continue;
    t.withClause('other', () => t.expr(rt.indirection));
    const ma = asNode(rt.val, 'MultiAssignRef');
    let flow: Flow;
    if (ma !== null) {
      const source = ma.source;
      const sub = asNode(source, 'SubLink');
      if (sub !== null) {
        if (!multi.has(source))
          multi.set(
            source,
            t.withClause('assignment', () => t.nestedQuery(sub.subselect)),
          );
        const outputs = multi.get(source) ?? null;
        const o = outputs?.[(typeof ma.colno === 'number' ? ma.colno : 1) - 1];
        flow = outputs === null ? UNKNOWN : o === undefined ? NONE : fromOutput(o);
      } else {
        const items = list(asNode(source, 'RowExpr')?.args ?? asNode(source, 'List')?.items);
        const item = items[(typeof ma.colno === 'number' ? ma.colno : 1) - 1];
        flow = t.withClause('assignment', () => t.expr(item));
      }
    } else {
      flow = t.withClause('assignment', () => t.expr(rt.val));
    }
    t.stores.push({ table, column: rt.name, sources: flow.sources, literals: literalsOf(rt.val) });
  }
}

function mergeWhen(t: FlowTracer, table: string, mw: Obj | null): void {
  if (mw === null) return;
  t.withClause('predicate', () => t.expr(mw.condition));
  if (mw.commandType === 'CMD_INSERT') {
    const cols = list(mw.targetList).map((c) => asNode(c, 'ResTarget')?.name);
    const items = list(mw.values);
    const flows = items.map((v) => t.withClause('assignment', () => t.expr(v)));
    flows.forEach((f, i) => {
      const column = typeof cols[i] === 'string' ? (cols[i] as string) : null;
      t.stores.push({ table, column, sources: f.sources, literals: literalsOf(items[i]) });
    });
  } else {
    assignments(t, table, mw.targetList);
  }
}

/** COPY ... TO: the copied columns and how they are written; COPY FROM loads data and returns none. */
function copy(b: Obj, t: FlowTracer, extra: Extra, text: string): readonly OutputColumn[] | null {
  if (b.is_from === true) return null;
  let outputs: readonly OutputColumn[] | null;
  if (b.query !== undefined) {
    outputs = traceQuery(b.query, t);
  } else {
    const table = tableOf(b.relation) ?? '';
    const attlist = list(b.attlist).map((a) => stringNode(a));
    outputs =
      attlist.length > 0
        ? attlist.map((c) => ({
            name: c ?? '',
            lineage: 'direct' as const,
            sources: [{ table, column: c ?? '' }],
          }))
        : [{ name: '*', lineage: 'direct', sources: [], star: [table] }];
    for (const o of outputs) t.use({ kind: 'direct', sources: o.sources });
  }
  if (typeof b.filename === 'string' || b.is_program === true) {
    // To a server file or program: the values leave through the server, unmasked.
    const sources = (outputs ?? []).flatMap((o) => [
      ...o.sources,
      ...(o.star ?? []).map((s) => ({ table: s, column: '*' })),
    ]);
    t.stores.push({
      table: null,
      column: null,
      sources: outputs === null ? [{ table: null, column: '*' }] : sources,
      literals: [],
    });
    return null;
  }
  extra.copyOut = { ...copyFormat(b.options), query: copyQuery(b, text) };
  return outputs;
}

/** `COPY t (a, b)` reads `SELECT "a", "b" FROM "t"`; `COPY (query)` reads the query's own text. */
function copyQuery(b: Obj, text: string): string | null {
  if (b.query === undefined) {
    const rel = isObj(b.relation) ? b.relation : null;
    if (rel === null || typeof rel.relname !== 'string') return null;
    const table =
      typeof rel.schemaname === 'string'
        ? `${quoteIdentifier(rel.schemaname)}.${quoteIdentifier(rel.relname)}`
        : quoteIdentifier(rel.relname);
    const attlist = list(b.attlist).map((a) => stringNode(a));
    const columns =
      attlist.length > 0 && attlist.every((a) => a !== null)
        ? (attlist as string[]).map(quoteIdentifier).join(', ')
        : '*';
    return `SELECT ${columns} FROM ${table}`;
  }
  return parenthesised(text);
}

/** The text inside the first parentheses of a statement (tokens, so parentheses in strings and comments do not count). */
function parenthesised(text: string): string | null {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return null;
  }
  const bytes = Buffer.from(text, 'utf8');
  let depth = 0;
  let start = -1;
  for (const tok of tokens) {
    if (tok.tokenName === 'ASCII_40') {
      if (depth++ === 0) start = tok.end;
    } else if (tok.tokenName === 'ASCII_41' && --depth === 0) {
      return start < 0 ? null : bytes.toString('utf8', start, tok.start);
    }
  }
  return null;
}

/** COPY options as PostgreSQL defaults them (text: tab and `\N`; csv: comma, empty, `"`). */
function copyFormat(options: unknown): Omit<CopyFormat, 'query'> {
  const opts = new Map<string, DefElem>();
  for (const d of defElems(options)) if (typeof d.defname === 'string') opts.set(d.defname, d);
  const text = (name: string): string | undefined => {
    const d = opts.get(name);
    return d === undefined ? undefined : (stringNode(d.arg) ?? undefined);
  };
  const f = (text('format') ?? 'text').toLowerCase();
  const format = f === 'csv' ? 'csv' : f === 'binary' ? 'binary' : 'text';
  const headerOption = opts.get('header');
  // HEADER MATCH only applies to COPY FROM; any other value but false writes a header line.
  const header = headerOption !== undefined && defElemBool(headerOption) !== false;
  const delimiter = text('delimiter') ?? (format === 'csv' ? ',' : '\t');
  const quote = text('quote') ?? '"';
  return {
    format,
    delimiter,
    null: text('null') ?? (format === 'csv' ? '' : '\\N'),
    quote,
    escape: text('escape') ?? quote,
    header,
  };
}

/** String constants inside expressions (bounded), for placeholder checks on written values. */
export function literalsOf(node: unknown, out: string[] = []): string[] {
  if (out.length >= MAX_LITERALS || typeof node !== 'object' || node === null) return out;
  if (Array.isArray(node)) {
    for (const n of node) literalsOf(n, out);
    return out;
  }
  const c = asNode(node, 'A_Const');
  if (c !== null) {
    const v = constValue(c as A_Const);
    if (v.type === 'string') out.push(v.value);
    return out;
  }
  for (const key in node as Obj) literalsOf((node as Obj)[key], out);
  return out;
}

setReturningTracer((node, t) => statement(node, t, {}));
