import type { CopyStmt, CreateTableAsStmt, RangeVar } from '@pgsql/types';
import { GuardrailId } from '../guardrail-catalogue';
import { strongerKind } from '../kind-order';
import { defElemBool, defElems, isObj, list, stringNode, type Obj } from './pg-node';
import type { NodeHandler, Walker } from './walker';

/**
 * Statements that carry another statement: EXPLAIN, PREPARE, EXECUTE, DECLARE, CREATE TABLE AS,
 * COPY, views and rules. Whether the inner statement runs now decides what of it counts.
 */

function explainStmt(body: Obj, w: Walker): void {
  // EXPLAIN ANALYZE executes the statement. `(ANALYZE off)` does not; an option PostgreSQL would
  // reject as not boolean is taken as on (fail closed). `ANALYSE` is folded to `analyze` by the parser.
  const analyze = defElems(body.options).some(
    (d) => d.defname?.toLowerCase() === 'analyze' && defElemBool(d) !== false,
  );
  const created = w.ctx.createdTables.length;
  const inner = w.nested(body.query);
  // A table an unexecuted EXPLAIN would create is not created.
  if (!analyze) w.ctx.createdTables.length = created;
  w.facts.merge(inner, analyze ? 'executed' : 'planned');
  if (analyze && inner.kind !== 'read') {
    w.facts.guardrail(
      GuardrailId.explainAnalyzeWrite,
      'EXPLAIN ANALYZE executes the statement it explains, and that statement changes something',
    );
  }
}

function prepareStmt(body: Obj, w: Walker): void {
  // PREPARE is judged as the statement it prepares: PREPARE x AS DELETE FROM t is a DELETE.
  if (typeof body.name === 'string') w.facts.prepares = body.name;
  w.walk(body.query);
}

function executeStmt(body: Obj, w: Walker): void {
  const name = typeof body.name === 'string' ? body.name : '';
  w.facts.executes = name;
  // Parameters are evaluated by the server even under plain EXPLAIN: their function effects count.
  w.walkAs(body.params, 'other');
  const prepared = w.ctx.prepared?.(name);
  if (prepared === undefined) {
    w.facts.unknown('EXECUTE runs a prepared statement this session has not prepared through the gateway');
    return;
  }
  w.facts.kind = strongerKind('read', w.facts.functionKind);
  w.facts.unknownReason = w.facts.functionUnknownReason;
  w.facts.mergeFacts(prepared);
}

function declareCursorStmt(body: Obj, w: Walker): void {
  // The cursor's query is judged at DECLARE; FETCH only reads what was allowed here.
  w.walk(body.query);
}

function createTableAsStmt(body: Obj, w: Walker): void {
  const b = body as CreateTableAsStmt;
  if (b.into?.rel) {
    const t = w.relation(b.into.rel, 'write');
    if (b.if_not_exists !== true) w.ctx.createdTables.push(t);
  }
  // WITH NO DATA plans the query without running it.
  w.facts.merge(w.nested(b.query), b.into?.skipData ? 'planned' : 'executed');
}

function copyStmt(body: Obj, w: Walker): void {
  const b = body as CopyStmt;
  const from = b.is_from === true;
  if (b.relation) {
    const t = w.relation(b.relation, from ? 'write' : 'read');
    w.scope.addSource(b.relation.alias?.aliasname ?? b.relation.relname ?? '', t);
    for (const a of list(b.attlist)) {
      const col = stringNode(a);
      if (col !== null) w.facts.column(t, col, from ? 'assignment' : 'output');
    }
    // COPY t TO copies every column out.
    if (!from && b.attlist === undefined) w.facts.column(t, '*', 'output');
  }
  if (from) w.facts.raise('write');
  // COPY (query) TO: the query runs (it may be an INSERT/UPDATE/DELETE ... RETURNING).
  w.walk(b.query);
  w.walkAs(b.whereClause, 'predicate');
  // No filename means STDIN/STDOUT, which pass through the gateway. A filename or PROGRAM is
  // read or written by the server process itself.
  if (b.is_program || typeof b.filename === 'string') {
    w.facts.raise('admin');
    w.facts.guardrail(
      GuardrailId.fileOrProgramAccess,
      b.is_program
        ? 'COPY runs a program on the database server'
        : `COPY ${from ? 'reads' : 'writes'} a file on the database server`,
    );
  }
}

function viewStmt(body: Obj, w: Walker): void {
  const view = body.view as RangeVar | undefined;
  if (view) w.relation(view, 'write');
  // The view's query runs later, as whoever selects from it: its tables are reads, its effects are not ours.
  w.facts.merge(w.nested(body.query), 'stored');
}

function ruleStmt(body: Obj, w: Walker): void {
  const rel = body.relation as RangeVar | undefined;
  if (rel) w.relation(rel, 'write');
  for (const action of list(body.actions)) w.facts.merge(w.nested(action), 'stored');
}

function callStmt(body: Obj, w: Walker): void {
  // `funccall` is a bare FuncCall struct (a typed field): dispatch it so the call is recorded.
  if (isObj(body.funccall)) w.dispatch('FuncCall', body.funccall);
  w.facts.unknown('a procedure can run any statement, including transaction control');
}

function deallocateStmt(body: Obj, w: Walker): void {
  w.facts.deallocates = body.isall === true || typeof body.name !== 'string' ? '*' : body.name;
}

function discardStmt(body: Obj, w: Walker): void {
  // DISCARD ALL deallocates every prepared statement, as DEALLOCATE ALL does.
  if (body.target === 'DISCARD_ALL') w.facts.deallocates = '*';
}

/** ALTER SYSTEM / DATABASE / ROLE ... SET hold a bare VariableSetStmt: dispatch it so setting checks run. */
function setHolder(body: Obj, w: Walker): void {
  if (isObj(body.setstmt)) w.dispatch('VariableSetStmt', body.setstmt);
  w.walkFields(body, SETSTMT_HANDLED);
}

const SETSTMT_HANDLED: ReadonlySet<string> = new Set(['setstmt']);

export const WRAPPER_HANDLERS: Readonly<Record<string, NodeHandler>> = {
  ExplainStmt: explainStmt,
  PrepareStmt: prepareStmt,
  ExecuteStmt: executeStmt,
  DeclareCursorStmt: declareCursorStmt,
  CreateTableAsStmt: createTableAsStmt,
  CopyStmt: copyStmt,
  ViewStmt: viewStmt,
  RuleStmt: ruleStmt,
  CallStmt: callStmt,
  DeallocateStmt: deallocateStmt,
  DiscardStmt: discardStmt,
  AlterSystemStmt: setHolder,
  AlterDatabaseSetStmt: setHolder,
  AlterRoleSetStmt: setHolder,
};
