import type { RangeVar } from '@pgsql/types';
import { GuardrailId } from '../../guardrail-catalogue';
import { NON_VOLATILE_FUNCTIONS } from '../function-effects';
import { asNode, baseName, functionName, isObj, list, nameParts, type Obj } from '../pg-node';
import type { NodeCheck, Walker } from '../walker';
import type { FuncCall } from '@pgsql/types';

/**
 * Migration-safety rules: schema changes that take locks long enough to stall production
 * traffic on a large table. None applies to a table created earlier in the same client string
 * (it is new and empty), matched by name and schema exactly as written.
 */

function isNewTable(rv: unknown, w: Walker): boolean {
  if (!isObj(rv) || typeof rv.relname !== 'string') return false;
  const schema = (rv as RangeVar).schemaname ?? null;
  return w.ctx.createdTables.some((t) => t.name === rv.relname && t.schema === schema);
}

const indexStmt: NodeCheck = (b, w) => {
  if (b.concurrent !== true && !isNewTable(b.relation, w)) {
    w.facts.guardrail(
      GuardrailId.indexWithoutConcurrently,
      'CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds',
    );
  }
};

const dropStmt: NodeCheck = (b, w) => {
  if (b.removeType === 'OBJECT_INDEX' && b.concurrent !== true) {
    w.facts.guardrail(
      GuardrailId.indexWithoutConcurrently,
      'DROP INDEX without CONCURRENTLY takes an exclusive lock on the table',
    );
  }
};

const SERIAL_TYPES: ReadonlySet<string> = new Set([
  'serial',
  'serial2',
  'serial4',
  'serial8',
  'smallserial',
  'bigserial',
]);

/** A default expression that may be volatile: any function not known to be stable or immutable. */
function volatileCall(expr: unknown): boolean {
  if (Array.isArray(expr)) return expr.some(volatileCall);
  if (!isObj(expr)) return false;
  const fc = asNode(expr, 'FuncCall');
  if (fc !== null && !NON_VOLATILE_FUNCTIONS.has(baseName(functionName(fc as FuncCall)))) return true;
  for (const key in expr) if (volatileCall(expr[key])) return true;
  return false;
}

function constraintChecks(con: Obj, w: Walker, onNewColumn: boolean): void {
  switch (con.contype) {
    case 'CONSTR_FOREIGN':
    case 'CONSTR_CHECK':
      if (con.skip_validation !== true) {
        w.facts.guardrail(
          GuardrailId.constraintWithoutNotValid,
          onNewColumn
            ? 'a column constraint is validated against every row while writes are blocked; add it as NOT VALID and VALIDATE it separately'
            : 'the constraint is validated against every row while writes are blocked; add it NOT VALID and VALIDATE it separately',
        );
      }
      break;
    case 'CONSTR_NOTNULL':
      // ADD CONSTRAINT ... NOT NULL col (PostgreSQL 18) scans like SET NOT NULL unless NOT VALID.
      if (!onNewColumn && con.skip_validation !== true) {
        w.facts.guardrail(
          GuardrailId.setNotNull,
          'a NOT NULL constraint is checked against every row while writes are blocked',
        );
      }
      break;
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      if (typeof con.indexname !== 'string') {
        w.facts.guardrail(
          GuardrailId.indexWithoutConcurrently,
          'the constraint builds its index while writes are blocked; build the index CONCURRENTLY and add the constraint USING INDEX',
        );
      }
      break;
    case 'CONSTR_DEFAULT':
      // Since PostgreSQL 11 a non-volatile default is stored once; a volatile one (random(),
      // clock_timestamp(), gen_random_uuid(), nextval()) is computed per row by rewriting the table.
      // now() is STABLE (one value per statement) and does not rewrite.
      if (onNewColumn && volatileCall(con.raw_expr)) {
        w.facts.guardrail(
          GuardrailId.volatileDefault,
          'ADD COLUMN with a volatile (or unknown) default rewrites the whole table',
        );
      }
      break;
    case 'CONSTR_IDENTITY':
      if (onNewColumn)
        w.facts.guardrail(
          GuardrailId.volatileDefault,
          'ADD COLUMN ... GENERATED AS IDENTITY fills every row and rewrites the table',
        );
      break;
    case 'CONSTR_GENERATED':
      // PostgreSQL 18 generated columns are VIRTUAL unless STORED; only STORED ones are computed into the table.
      if (onNewColumn && con.generated_kind !== 'v') {
        w.facts.guardrail(
          GuardrailId.volatileDefault,
          'ADD COLUMN ... GENERATED ... STORED rewrites the whole table',
        );
      }
      break;
    default:
      break;
  }
}

const alterTableStmt: NodeCheck = (b, w) => {
  if (isNewTable(b.relation, w)) return;
  for (const c of list(b.cmds)) {
    const cmd = asNode(c, 'AlterTableCmd');
    if (cmd === null) continue;
    switch (cmd.subtype) {
      case 'AT_AddConstraint': {
        const con = asNode(cmd.def, 'Constraint');
        if (con !== null) constraintChecks(con, w, false);
        break;
      }
      case 'AT_AddColumn': {
        const col = asNode(cmd.def, 'ColumnDef');
        if (col === null) break;
        const typeNames = nameParts(isObj(col.typeName) ? col.typeName.names : undefined) ?? [];
        if (SERIAL_TYPES.has(typeNames[typeNames.length - 1] ?? '')) {
          w.facts.guardrail(
            GuardrailId.volatileDefault,
            'ADD COLUMN of a serial type fills every row from a sequence and rewrites the table',
          );
        }
        for (const k of list(col.constraints)) {
          const con = asNode(k, 'Constraint');
          if (con !== null) constraintChecks(con, w, true);
        }
        break;
      }
      case 'AT_SetNotNull':
        w.facts.guardrail(
          GuardrailId.setNotNull,
          'SET NOT NULL scans every row while writes are blocked; add a CHECK (col IS NOT NULL) NOT VALID constraint and validate it first',
        );
        break;
      default:
        break;
    }
  }
};

/** Renames of what clients name: tables, views, materialized views, foreign tables, columns, schemas. */
const RENAMED: ReadonlySet<string> = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_COLUMN',
  'OBJECT_SCHEMA',
]);

const renameStmt: NodeCheck = (b, w) => {
  if (typeof b.renameType === 'string' && RENAMED.has(b.renameType) && !isNewTable(b.relation, w)) {
    w.facts.guardrail(
      GuardrailId.rename,
      b.renameType === 'OBJECT_COLUMN'
        ? 'a column is renamed under running clients'
        : 'a table, view or schema is renamed under running clients',
    );
  }
};

const alterObjectSchemaStmt: NodeCheck = (b, w) => {
  if (typeof b.objectType === 'string' && RENAMED.has(b.objectType) && !isNewTable(b.relation, w)) {
    w.facts.guardrail(GuardrailId.rename, 'SET SCHEMA moves a table or view away from the name clients use');
  }
};

export const MIGRATION_CHECKS: Readonly<Record<string, NodeCheck>> = {
  IndexStmt: indexStmt,
  DropStmt: dropStmt,
  AlterTableStmt: alterTableStmt,
  RenameStmt: renameStmt,
  AlterObjectSchemaStmt: alterObjectSchemaStmt,
};
