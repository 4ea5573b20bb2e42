import { GuardrailId } from '../../guardrail-catalogue';
import { asNode, defElemBool, defElems, list } from '../pg-node';
import type { NodeCheck } from '../walker';

/**
 * Statements that hold locks which block other sessions' reads or writes for as long as they run.
 */

/** PostgreSQL lock modes (lockdefs.h); SHARE (5) and stronger block INSERT/UPDATE/DELETE. */
const SHARE_LOCK = 5;

const lockStmt: NodeCheck = (b, w) => {
  const mode = typeof b.mode === 'number' ? b.mode : 8;
  if (mode >= SHARE_LOCK)
    w.facts.guardrail(
      GuardrailId.lockHeavy,
      'LOCK TABLE in this mode blocks other sessions\u2019 writes (or reads) until the transaction ends',
    );
};

const vacuumStmt: NodeCheck = (b, w) => {
  if (defElems(b.options).some((d) => d.defname === 'full' && defElemBool(d) !== false)) {
    w.facts.guardrail(GuardrailId.lockHeavy, 'VACUUM FULL rewrites the table under an exclusive lock');
  }
};

const clusterStmt: NodeCheck = (_b, w) => {
  w.facts.guardrail(GuardrailId.lockHeavy, 'CLUSTER rewrites the table under an exclusive lock');
};

const reindexStmt: NodeCheck = (b, w) => {
  if (!defElems(b.params).some((d) => d.defname === 'concurrently' && defElemBool(d) !== false)) {
    w.facts.guardrail(GuardrailId.lockHeavy, 'REINDEX without CONCURRENTLY blocks writes while it rebuilds');
  }
};

const refreshMatViewStmt: NodeCheck = (b, w) => {
  if (b.concurrent !== true)
    w.facts.guardrail(
      GuardrailId.lockHeavy,
      'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view',
    );
};

const REWRITES: ReadonlySet<string> = new Set(['AT_SetTableSpace', 'AT_SetLogged', 'AT_SetUnLogged']);

const alterTableStmt: NodeCheck = (b, w) => {
  for (const c of list(b.cmds)) {
    const sub = asNode(c, 'AlterTableCmd')?.subtype;
    if (typeof sub === 'string' && REWRITES.has(sub)) {
      w.facts.guardrail(
        GuardrailId.lockHeavy,
        'ALTER TABLE rewrites or moves the table under an exclusive lock',
      );
    }
  }
};

const alterTableMoveAllStmt: NodeCheck = (_b, w) => {
  w.facts.guardrail(GuardrailId.lockHeavy, 'moving every table of a tablespace locks each one exclusively');
};

export const LOCKING_CHECKS: Readonly<Record<string, NodeCheck>> = {
  LockStmt: lockStmt,
  VacuumStmt: vacuumStmt,
  ClusterStmt: clusterStmt,
  ReindexStmt: reindexStmt,
  RefreshMatViewStmt: refreshMatViewStmt,
  AlterTableStmt: alterTableStmt,
  AlterTableMoveAllStmt: alterTableMoveAllStmt,
};
