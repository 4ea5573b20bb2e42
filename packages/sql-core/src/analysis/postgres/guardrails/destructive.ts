import { GuardrailId } from '../../guardrail-catalogue';
import { asNode, list, type Obj } from '../pg-node';
import type { NodeCheck } from '../walker';

/** Statements that destroy data or objects: drops, TRUNCATE, CASCADE, columns dropped or retyped. */

function cascade(body: Obj): boolean {
  return body.behavior === 'DROP_CASCADE';
}

const CASCADE_DETAIL = 'CASCADE also drops or empties every object that depends on the ones named';

const dropStmt: NodeCheck = (b, w) => {
  if (b.removeType === 'OBJECT_TABLE')
    w.facts.guardrail(GuardrailId.dropTable, 'DROP TABLE removes a table and all its rows');
  if (b.removeType === 'OBJECT_SCHEMA')
    w.facts.guardrail(GuardrailId.dropSchema, 'DROP SCHEMA removes a schema');
  if (cascade(b)) w.facts.guardrail(GuardrailId.dropCascade, CASCADE_DETAIL);
};

const dropdbStmt: NodeCheck = (_b, w) => {
  w.facts.guardrail(GuardrailId.dropDatabase, 'DROP DATABASE removes a whole database');
};

const dropOwnedStmt: NodeCheck = (b, w) => {
  w.facts.guardrail(GuardrailId.dropOwned, 'DROP OWNED removes every object the role owns in this database');
  if (cascade(b)) w.facts.guardrail(GuardrailId.dropCascade, CASCADE_DETAIL);
};

const truncateStmt: NodeCheck = (b, w) => {
  w.facts.guardrail(GuardrailId.truncate, 'TRUNCATE removes every row of the table');
  if (cascade(b))
    w.facts.guardrail(
      GuardrailId.dropCascade,
      'TRUNCATE CASCADE also empties every table that references the ones named',
    );
};

const alterTableStmt: NodeCheck = (b, w) => {
  for (const c of list(b.cmds)) {
    const cmd = asNode(c, 'AlterTableCmd');
    if (cmd === null) continue;
    if (cmd.subtype === 'AT_DropColumn')
      w.facts.guardrail(GuardrailId.destructiveAlter, 'ALTER TABLE drops a column and its data');
    // A type change may rewrite the table and can lose data (text to varchar(n), numeric scale);
    // whether it rewrites depends on the types, which analysis does not know: it is always flagged.
    if (cmd.subtype === 'AT_AlterColumnType')
      w.facts.guardrail(
        GuardrailId.destructiveAlter,
        'ALTER TABLE changes a column type, which can rewrite the table and lose data',
      );
    if (cascade(cmd)) w.facts.guardrail(GuardrailId.dropCascade, CASCADE_DETAIL);
  }
};

export const DESTRUCTIVE_CHECKS: Readonly<Record<string, NodeCheck>> = {
  DropStmt: dropStmt,
  DropdbStmt: dropdbStmt,
  DropOwnedStmt: dropOwnedStmt,
  TruncateStmt: truncateStmt,
  AlterTableStmt: alterTableStmt,
};
