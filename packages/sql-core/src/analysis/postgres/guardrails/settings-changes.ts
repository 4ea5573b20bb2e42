import type { A_Const, VariableSetStmt } from '@pgsql/types';
import { GuardrailId } from '../../guardrail-catalogue';
import { asNode, constValue, list } from '../pg-node';
import { settingFindings } from '../settings';
import type { NodeCheck } from '../walker';

/**
 * SET / SET LOCAL / function SET clauses (role-switch, lexing-change, system-config by setting),
 * and configuration that outlives the session: ALTER SYSTEM, ALTER DATABASE / ROLE ... SET,
 * event triggers, LOAD. set_config() is judged in function-effects.ts with the same table.
 */

/** The first value of SET name = value, as text; null when not a constant. */
function firstValue(stmt: VariableSetStmt): string | null {
  const c = asNode(list(stmt.args)[0], 'A_Const');
  if (c === null) return null;
  const v = constValue(c as A_Const);
  if (v.type === 'string') return v.value;
  if (v.type === 'number') return v.text;
  if (v.type === 'bool') return String(v.value);
  return null;
}

const variableSetStmt: NodeCheck = (b, w) => {
  const stmt = b as VariableSetStmt;
  // RESET, SET ... TO DEFAULT and SET ... FROM CURRENT return to a value the session already had.
  if (stmt.kind !== 'VAR_SET_VALUE' || typeof stmt.name !== 'string') return;
  for (const f of settingFindings(stmt.name, firstValue(stmt))) w.facts.guardrail(f.id, f.detail);
};

/** ALTER TABLE ... DISABLE TRIGGER: with ALL (or USER) foreign keys or audit triggers stop firing, for good. */
const alterTableStmt: NodeCheck = (b, w) => {
  for (const c of list(b.cmds)) {
    const sub = asNode(c, 'AlterTableCmd')?.subtype;
    if (sub === 'AT_DisableTrig' || sub === 'AT_DisableTrigAll' || sub === 'AT_DisableTrigUser') {
      w.facts.guardrail(
        GuardrailId.systemConfig,
        'triggers are disabled on the table, so the checks and audit they do stop',
      );
    }
  }
};

function systemConfig(detail: string): NodeCheck {
  return (_b, w) => w.facts.guardrail(GuardrailId.systemConfig, detail);
}

export const SETTINGS_CHECKS: Readonly<Record<string, NodeCheck>> = {
  VariableSetStmt: variableSetStmt,
  AlterTableStmt: alterTableStmt,
  AlterSystemStmt: systemConfig('ALTER SYSTEM changes the server configuration'),
  AlterDatabaseSetStmt: systemConfig(
    'ALTER DATABASE ... SET changes a setting for every session of the database',
  ),
  AlterDatabaseStmt: systemConfig('ALTER DATABASE changes how the database accepts connections'),
  AlterRoleSetStmt: systemConfig('ALTER ROLE ... SET changes a setting for every session of the role'),
  CreateEventTrigStmt: systemConfig('an event trigger runs code on every matching command of every role'),
  AlterEventTrigStmt: systemConfig('an event trigger is enabled, disabled or changed'),
  LoadStmt: systemConfig('LOAD loads a shared library into the server process'),
};
