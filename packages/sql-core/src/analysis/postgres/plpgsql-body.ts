import type { FactsCollector } from './facts-collector';
import { asNode, constValue, isObj, list, type Obj } from './pg-node';
import type { TextContext } from './walker';
import type { A_Const } from '@pgsql/types';

/**
 * Judges a PL/pgSQL body (a DO block or a function) by the SQL it contains. libpg-query's
 * PL/pgSQL parser gives the statements, and each embedded query or expression is analysed as
 * SQL. A body is "shown" only when every statement type is one listed here and no SQL is built
 * at run time; otherwise it stays unknown (DO) or carries dynamic-sql (CREATE FUNCTION).
 */
export interface PlpgsqlJudgement {
  /** Facts of every query and expression in the body, in order. */
  readonly parts: readonly FactsCollector[];
  /** Why the body builds SQL at run time (EXECUTE of a non-constant string), or null. */
  readonly dynamic: string | null;
  /** Why the body could not be judged at all, or null. */
  readonly unsupported: string | null;
  /** The body commits or rolls back (allowed in DO and procedures). */
  readonly transactionControl: boolean;
}

/** Statements whose only effects are the SQL in their expressions. */
const PLAIN_STATEMENTS: ReadonlySet<string> = new Set([
  'PLpgSQL_stmt_block',
  'PLpgSQL_stmt_assign',
  'PLpgSQL_stmt_if',
  'PLpgSQL_stmt_case',
  'PLpgSQL_stmt_loop',
  'PLpgSQL_stmt_while',
  'PLpgSQL_stmt_fori',
  'PLpgSQL_stmt_fors',
  'PLpgSQL_stmt_forc',
  'PLpgSQL_stmt_foreach_a',
  'PLpgSQL_stmt_exit',
  'PLpgSQL_stmt_return',
  'PLpgSQL_stmt_return_next',
  'PLpgSQL_stmt_return_query',
  'PLpgSQL_stmt_raise',
  'PLpgSQL_stmt_assert',
  'PLpgSQL_stmt_execsql',
  'PLpgSQL_stmt_perform',
  'PLpgSQL_stmt_call',
  'PLpgSQL_stmt_getdiag',
  'PLpgSQL_stmt_open',
  'PLpgSQL_stmt_fetch',
  'PLpgSQL_stmt_close',
  'PLpgSQL_stmt_commit',
  'PLpgSQL_stmt_rollback',
]);

/** PostgreSQL's RawParseMode: how an embedded query string is to be read. */
const PARSE_DEFAULT = 0;
const PARSE_PLPGSQL_EXPR = 2;
const PARSE_PLPGSQL_ASSIGN_FIRST = 3;
const PARSE_PLPGSQL_ASSIGN_LAST = 5;

class BodyJudge {
  readonly parts: FactsCollector[] = [];
  dynamic: string | null = null;
  unsupported: string | null = null;
  transactionControl = false;

  constructor(private readonly ctx: TextContext) {}

  visit(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const v of value) this.visit(v);
      return;
    }
    for (const key in value as Obj) {
      const v = (value as Obj)[key];
      if (key.startsWith('PLpgSQL_stmt_') && isObj(v)) this.statement(key, v);
      else if (key === 'PLpgSQL_expr' && isObj(v)) this.expression(v);
      else this.visit(v);
    }
  }

  statement(type: string, body: Obj): void {
    switch (type) {
      case 'PLpgSQL_stmt_dynexecute':
      case 'PLpgSQL_stmt_dynfors':
        this.dynamicQuery(body.query);
        this.visit({ ...body, query: undefined });
        return;
      case 'PLpgSQL_stmt_open':
      case 'PLpgSQL_stmt_return_query':
        if (body.dynquery !== undefined) {
          this.dynamicQuery(body.dynquery);
          this.visit({ ...body, dynquery: undefined });
          return;
        }
        break;
      case 'PLpgSQL_stmt_commit':
      case 'PLpgSQL_stmt_rollback':
        this.transactionControl = true;
        break;
      default:
        if (!PLAIN_STATEMENTS.has(type)) {
          this.unsupported ??= 'the body uses a PL/pgSQL statement Gatehouse does not analyse';
          return;
        }
    }
    this.visit(body);
  }

  /** EXECUTE 'constant text' is as visible as plain SQL; anything computed is dynamic. */
  dynamicQuery(expr: unknown): void {
    const e = asNode(expr, 'PLpgSQL_expr');
    const text = e === null ? null : this.constantText(e);
    if (text === null) {
      this.dynamic ??= 'the body runs SQL built at run time (EXECUTE)';
      return;
    }
    this.analyse(text);
  }

  constantText(expr: Obj): string | null {
    if (typeof expr.query !== 'string' || expr.parseMode !== PARSE_PLPGSQL_EXPR) return null;
    const tree = this.ctx.parse(`SELECT ${expr.query}`);
    if (!isObj(tree)) return null;
    const stmts = list(tree.stmts);
    const select = stmts.length === 1 && isObj(stmts[0]) ? asNode(stmts[0].stmt, 'SelectStmt') : null;
    if (select === null || select.fromClause !== undefined || select.whereClause !== undefined) return null;
    const targets = list(select.targetList);
    const rt = targets.length === 1 ? asNode(targets[0], 'ResTarget') : null;
    const c = rt === null ? null : asNode(rt.val, 'A_Const');
    if (c === null) return null;
    const v = constValue(c as A_Const);
    return v.type === 'string' ? v.value : null;
  }

  expression(expr: Obj): void {
    const query = typeof expr.query === 'string' ? expr.query : '';
    const mode = typeof expr.parseMode === 'number' ? expr.parseMode : PARSE_DEFAULT;
    if (mode === PARSE_DEFAULT) {
      this.analyse(query);
    } else if (mode === PARSE_PLPGSQL_EXPR) {
      this.analyse(`SELECT ${query}`);
    } else if (mode >= PARSE_PLPGSQL_ASSIGN_FIRST && mode <= PARSE_PLPGSQL_ASSIGN_LAST) {
      // `target := expression`: since PostgreSQL 14 the right side is run as `SELECT expression`.
      const split = assignmentSplit(query);
      if (split === null) {
        this.unsupported ??= 'an assignment in the body could not be read';
        return;
      }
      if (query.slice(0, split.start).includes('[')) this.analyse(`SELECT ${query.slice(0, split.start)}`);
      this.analyse(`SELECT ${query.slice(split.end)}`);
    } else {
      this.unsupported ??= 'the body holds an expression Gatehouse does not analyse';
    }
  }

  analyse(sql: string): void {
    const result = this.ctx.analyseText(sql);
    if (typeof result === 'string') {
      this.unsupported ??= result;
      return;
    }
    this.parts.push(...result);
  }
}

/** Where `:=` (or `=`) separates an assignment's target from its value, outside quotes and brackets. */
function assignmentSplit(text: string): { start: number; end: number } | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return null;
      i = close;
    } else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && ch === ':' && text[i + 1] === '=') return { start: i, end: i + 2 };
    else if (depth === 0 && ch === '=') return { start: i, end: i + 1 };
  }
  return null;
}

/** Judge the PL/pgSQL function(s) in a CREATE FUNCTION text. */
export function judgePlpgsql(createFunctionSql: string, ctx: TextContext): PlpgsqlJudgement {
  const judge = new BodyJudge(ctx);
  const parsed = ctx.parsePlpgsql(createFunctionSql);
  if (typeof parsed === 'string' || !isObj(parsed)) {
    return {
      parts: [],
      dynamic: null,
      unsupported: 'the PL/pgSQL body could not be parsed',
      transactionControl: false,
    };
  }
  judge.visit(parsed.plpgsql_funcs);
  return {
    parts: judge.parts,
    dynamic: judge.dynamic,
    unsupported: judge.unsupported,
    transactionControl: judge.transactionControl,
  };
}

/** A DO body becomes an anonymous `RETURNS void` function, as PostgreSQL runs it. */
export function judgeDoBody(body: string, ctx: TextContext): PlpgsqlJudgement {
  // Dollar-quote with a tag the body does not contain, so the body is taken verbatim.
  let tag = 'gh';
  for (let n = 0; body.includes(`$${tag}$`); n++) tag = `gh${n}`;
  return judgePlpgsql(
    `CREATE FUNCTION gatehouse_do() RETURNS void LANGUAGE plpgsql AS $${tag}$${body}$${tag}$`,
    ctx,
  );
}
