import { GuardrailId } from '../guardrail-catalogue';
import { asNode, defElemBool, defElems, list, stringNode, type Obj } from './pg-node';
import { judgeDoBody, judgePlpgsql } from './plpgsql-body';
import type { NodeHandler, Walker } from './walker';
import type { FactsCollector } from './facts-collector';

/**
 * DO blocks run now and are judged by their body. CREATE FUNCTION / PROCEDURE only store code:
 * the statement is a definition (ddl), and its body is examined for what a definition can
 * smuggle in: SQL built at run time, SECURITY DEFINER, SET ROLE, untrusted languages.
 */

/** Untrusted procedural languages reach the server's files and programs; C loads a shared library. */
export function isUntrustedLanguage(language: string): boolean {
  return (
    language === 'c' ||
    language === 'plsh' ||
    language === 'plr' ||
    language === 'javau' ||
    /^pl[a-z0-9]*u$/.test(language)
  );
}

function optionString(options: unknown, name: string): string | null {
  const d = defElems(options).find((o) => o.defname === name);
  return d === undefined ? null : stringNode(d.arg);
}

function doStmt(body: Obj, w: Walker): void {
  // DO's language is compared as written: PostgreSQL looks it up case-sensitively after the parser folds it.
  const language = optionString(body.args, 'language') ?? 'plpgsql';
  if (language !== 'plpgsql') {
    w.facts.unknown('the DO block is written in a language Gatehouse cannot analyse');
    w.facts.guardrail(GuardrailId.dynamicSql, 'the DO block runs code Gatehouse cannot analyse');
    if (isUntrustedLanguage(language)) {
      w.facts.guardrail(
        GuardrailId.fileOrProgramAccess,
        'the DO block is written in an untrusted language that can reach server files and programs',
      );
    }
    return;
  }
  const j = judgeDoBody(optionString(body.args, 'as') ?? '', w.ctx);
  for (const part of j.parts) w.facts.merge(part, 'executed');
  if (j.transactionControl) w.facts.raise('transaction');
  if (j.dynamic !== null) {
    w.facts.unknown(`the DO block cannot be judged: ${j.dynamic}`);
    w.facts.guardrail(GuardrailId.dynamicSql, 'the DO block runs SQL built at run time');
  }
  if (j.unsupported !== null) w.facts.unknown(`the DO block cannot be judged: ${j.unsupported}`);
}

/** SECURITY DEFINER and SET clauses, shared by CREATE and ALTER FUNCTION. */
function routineOptions(options: unknown, w: Walker): void {
  for (const d of defElems(options)) {
    if (d.defname === 'security' && defElemBool(d) === true) {
      w.facts.guardrail(
        GuardrailId.privilegeChange,
        'a SECURITY DEFINER routine runs with its owner\u2019s privileges for every caller',
      );
    } else if (d.defname === 'set') {
      w.walk(d.arg);
    }
  }
}

function hasDynamicSql(parts: readonly FactsCollector[]): boolean {
  return parts.some((p) => p.has(GuardrailId.dynamicSql));
}

function createFunctionStmt(body: Obj, w: Walker): void {
  const language = optionString(body.options, 'language') ?? 'sql';
  routineOptions(body.options, w);
  if (isUntrustedLanguage(language)) {
    w.facts.guardrail(
      GuardrailId.fileOrProgramAccess,
      language === 'c'
        ? 'the routine loads a shared library into the server'
        : 'the routine is written in an untrusted language that can reach server files and programs',
    );
  }
  const source = routineSource(body.options);
  let dynamic = false;
  if (language === 'plpgsql') {
    const j = judgePlpgsql(w.ctx.statementText, w.ctx);
    // A body the parser rejects still gets a coarse look: any EXECUTE word counts as dynamic SQL.
    dynamic =
      j.dynamic !== null ||
      hasDynamicSql(j.parts) ||
      (j.unsupported !== null && /\bexecute\b/i.test(source ?? w.ctx.statementText));
  } else if (language === 'sql') {
    if (source !== null) {
      const parts = w.ctx.analyseText(source);
      dynamic = typeof parts !== 'string' && hasDynamicSql(parts);
    }
    for (const stmt of sqlBodyStatements(body.sql_body))
      dynamic ||= w.nested(stmt).has(GuardrailId.dynamicSql);
  }
  if (dynamic) w.facts.guardrail(GuardrailId.dynamicSql, 'the routine body runs SQL built at run time');
}

/** The body string of `AS '...'` (for C, `AS 'file', 'symbol'`: the file). */
function routineSource(options: unknown): string | null {
  const d = defElems(options).find((o) => o.defname === 'as');
  if (d === undefined) return null;
  const list1 = asNode(d.arg, 'List');
  return list1 === null ? stringNode(d.arg) : stringNode(list(list1.items)[0]);
}

/** BEGIN ATOMIC ... END is a list holding a list of statements; RETURN expr is a ReturnStmt. */
function sqlBodyStatements(sqlBody: unknown): unknown[] {
  const out: unknown[] = [];
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === 'object') {
      const o = v as Obj;
      if (o.List !== undefined) collect((o.List as Obj).items);
      else out.push(v);
    }
  };
  collect(sqlBody);
  return out;
}

function alterFunctionStmt(body: Obj, w: Walker): void {
  routineOptions(body.actions, w);
}

export const ROUTINE_HANDLERS: Readonly<Record<string, NodeHandler>> = {
  DoStmt: doStmt,
  CreateFunctionStmt: createFunctionStmt,
  AlterFunctionStmt: alterFunctionStmt,
};
