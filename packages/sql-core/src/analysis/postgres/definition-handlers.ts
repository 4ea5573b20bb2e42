import type { RangeVar } from '@pgsql/types';
import type { TableRef } from '../statement-facts';
import { isObj, list, nameParts, stringNode, tableFromParts, type Obj } from './pg-node';
import type { NodeHandler, Walker } from './walker';

/**
 * Tables named by definitions (DDL) and privilege statements. A table whose definition or
 * privileges change is in tablesWritten; a table only referred to (a foreign key's target,
 * LIKE source) is in tablesRead. A whole schema is `{ schema, name: '*' }`.
 */

function handled(...keys: string[]): ReadonlySet<string> {
  return new Set(keys);
}

/** The relation a DDL statement is about: written, and the table unqualified column names belong to. */
function subject(rv: unknown, w: Walker): TableRef | null {
  if (!isObj(rv) || typeof rv.relname !== 'string') return null;
  const t = w.relation(rv as RangeVar, 'write');
  w.scope.addSource(t.name, t);
  return t;
}

const RELATION_ONLY = handled('relation');

function createStmt(body: Obj, w: Walker): void {
  const t = subject(body.relation, w);
  // IF NOT EXISTS may leave an existing (full) table in place: it is not known to be new.
  if (t !== null && body.if_not_exists !== true) w.ctx.createdTables.push(t);
  w.walkFields(body, RELATION_ONLY);
}

function relationSubject(body: Obj, w: Walker): void {
  subject(body.relation, w);
  w.walkFields(body, RELATION_ONLY);
}

const CONSTRAINT_HANDLED = handled('pktable');

function constraint(body: Obj, w: Walker): void {
  // REFERENCES other(id): the referenced table is read (validated against), not changed.
  if (isObj(body.pktable)) w.relation(body.pktable as RangeVar, 'read');
  w.walkFields(body, CONSTRAINT_HANDLED);
}

function tableLikeClause(body: Obj, w: Walker): void {
  if (isObj(body.relation)) w.relation(body.relation as RangeVar, 'read');
}

/** DROP objects that are relations name them as qualified-name lists. */
const RELATION_OBJECTS: ReadonlySet<string> = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_SEQUENCE',
  'OBJECT_INDEX',
]);
/** DROP TRIGGER/POLICY/RULE name ON table: every part but the last is the table. */
const ON_TABLE_OBJECTS: ReadonlySet<string> = new Set(['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE']);

function dropStmt(body: Obj, w: Walker): void {
  const type = String(body.removeType);
  for (const obj of list(body.objects)) {
    if (type === 'OBJECT_SCHEMA') {
      const schema = stringNode(obj);
      if (schema !== null) w.facts.written({ schema, name: '*' });
      continue;
    }
    const parts = nameParts(isObj(obj) && isObj(obj.List) ? obj.List.items : undefined);
    if (parts === null) continue;
    const t = RELATION_OBJECTS.has(type)
      ? tableFromParts(parts)
      : ON_TABLE_OBJECTS.has(type)
        ? tableFromParts(parts.slice(0, -1))
        : null;
    if (t !== null) w.facts.written(t);
  }
}

function grantStmt(body: Obj, w: Walker): void {
  const allInSchema = body.targtype === 'ACL_TARGET_ALL_IN_SCHEMA';
  if (allInSchema || body.objtype === 'OBJECT_SCHEMA') {
    // GRANT ... ON ALL TABLES IN SCHEMA s, GRANT USAGE ON SCHEMA s: every table of s.
    for (const obj of list(body.objects)) {
      const schema = stringNode(obj);
      if (schema !== null) w.facts.written({ schema, name: '*' });
    }
    return;
  }
  w.walkFields(body);
}

function renameStmt(body: Obj, w: Walker): void {
  if (body.renameType === 'OBJECT_SCHEMA' && typeof body.subname === 'string') {
    w.facts.written({ schema: body.subname, name: '*' });
  }
  relationSubject(body, w);
}

function rangeVar(body: Obj, w: Walker): void {
  // A relation outside any FROM clause (TRUNCATE, LOCK, GRANT ON TABLE, VACUUM): never a CTE.
  w.relation(body as RangeVar, w.tableRole);
}

export const DEFINITION_HANDLERS: Readonly<Record<string, NodeHandler>> = {
  CreateStmt: createStmt,
  IndexStmt: relationSubject,
  AlterTableStmt: relationSubject,
  CreateTrigStmt: relationSubject,
  Constraint: constraint,
  TableLikeClause: tableLikeClause,
  DropStmt: dropStmt,
  GrantStmt: grantStmt,
  RenameStmt: renameStmt,
  RangeVar: rangeVar,
};
