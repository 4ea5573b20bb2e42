import { GuardrailId } from '../../guardrail-catalogue';
import { hasConstantCondition, isTautology } from '../constant-fold';
import type { NodeCheck } from '../walker';

/**
 * WHERE clauses that reach every row. A WHERE that is always true counts as no WHERE for
 * DELETE and UPDATE (and tautological-where fires as well); WHERE CURRENT OF a cursor is a
 * real restriction.
 */

const TAUTOLOGY_DETAIL = 'the WHERE clause is always true, so it filters nothing';

const deleteStmt: NodeCheck = (b, w) => {
  if (b.whereClause !== undefined && hasConstantCondition(b.whereClause)) w.ctx.literalSensitive = true;
  if (b.whereClause === undefined)
    w.facts.guardrail(GuardrailId.deleteWithoutWhere, 'DELETE has no WHERE clause and removes every row');
  else if (isTautology(b.whereClause)) {
    w.facts.guardrail(
      GuardrailId.deleteWithoutWhere,
      'DELETE has a WHERE clause that is always true and removes every row',
    );
    w.facts.guardrail(GuardrailId.tautologicalWhere, TAUTOLOGY_DETAIL);
  }
};

const updateStmt: NodeCheck = (b, w) => {
  if (b.whereClause !== undefined && hasConstantCondition(b.whereClause)) w.ctx.literalSensitive = true;
  if (b.whereClause === undefined)
    w.facts.guardrail(GuardrailId.updateWithoutWhere, 'UPDATE has no WHERE clause and changes every row');
  else if (isTautology(b.whereClause)) {
    w.facts.guardrail(
      GuardrailId.updateWithoutWhere,
      'UPDATE has a WHERE clause that is always true and changes every row',
    );
    w.facts.guardrail(GuardrailId.tautologicalWhere, TAUTOLOGY_DETAIL);
  }
};

const selectStmt: NodeCheck = (b, w) => {
  if (b.whereClause !== undefined && hasConstantCondition(b.whereClause)) w.ctx.literalSensitive = true;
  // In a SELECT (or a subquery) an always-true WHERE is the shape of an injected `OR 1=1`.
  if (b.whereClause !== undefined && isTautology(b.whereClause))
    w.facts.guardrail(GuardrailId.tautologicalWhere, TAUTOLOGY_DETAIL);
};

export const PREDICATE_CHECKS: Readonly<Record<string, NodeCheck>> = {
  DeleteStmt: deleteStmt,
  UpdateStmt: updateStmt,
  SelectStmt: selectStmt,
};
