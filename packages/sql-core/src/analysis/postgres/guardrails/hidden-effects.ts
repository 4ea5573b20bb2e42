import { GuardrailId } from '../../guardrail-catalogue';
import { asNode, list, nodeType } from '../pg-node';
import type { NodeCheck } from '../walker';

/**
 * Effects a statement hides behind a harmless-looking top: a WITH query that changes data, a
 * MERGE that deletes. (EXPLAIN ANALYZE of a change is found where EXPLAIN is handled, since it
 * needs the inner statement's kind.)
 */

const DATA_MODIFYING: ReadonlySet<string> = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

const commonTableExpr: NodeCheck = (b, w) => {
  const type = nodeType(b.ctequery);
  if (type !== null && DATA_MODIFYING.has(type)) {
    w.facts.guardrail(
      GuardrailId.dataModifyingCte,
      'a WITH query inside the statement inserts, updates or deletes rows',
    );
  }
};

const mergeStmt: NodeCheck = (b, w) => {
  for (const c of list(b.mergeWhenClauses)) {
    if (asNode(c, 'MergeWhenClause')?.commandType === 'CMD_DELETE') {
      w.facts.guardrail(GuardrailId.mergeDelete, 'MERGE has a WHEN ... THEN DELETE action');
      return;
    }
  }
};

export const HIDDEN_EFFECT_CHECKS: Readonly<Record<string, NodeCheck>> = {
  CommonTableExpr: commonTableExpr,
  MergeStmt: mergeStmt,
};
