import { GuardrailId } from '../../guardrail-catalogue';
import { asNode, list } from '../pg-node';
import type { NodeCheck } from '../walker';

/**
 * Changes to who may do what: grants, roles and passwords, ownership, row security policies,
 * user mappings (stored credentials). Role switches are judged with the settings (settings-changes.ts).
 */

function flag(detail: string): NodeCheck {
  return (_b, w) => w.facts.guardrail(GuardrailId.privilegeChange, detail);
}

const dropStmt: NodeCheck = (b, w) => {
  if (b.removeType === 'OBJECT_POLICY')
    w.facts.guardrail(GuardrailId.privilegeChange, 'DROP POLICY changes which rows roles can see or change');
};

/** ALTER TABLE ... OWNER TO, DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY. */
const alterTableStmt: NodeCheck = (b, w) => {
  for (const c of list(b.cmds)) {
    const sub = asNode(c, 'AlterTableCmd')?.subtype;
    if (sub === 'AT_ChangeOwner') {
      w.facts.guardrail(GuardrailId.privilegeChange, 'ALTER ... OWNER TO gives an object to another role');
      w.facts.raise('dcl');
    } else if (sub === 'AT_DisableRowSecurity' || sub === 'AT_NoForceRowSecurity') {
      w.facts.guardrail(GuardrailId.privilegeChange, 'row level security is turned off for the table');
      w.facts.raise('dcl');
    }
  }
};

export const PRIVILEGE_CHECKS: Readonly<Record<string, NodeCheck>> = {
  GrantStmt: flag('GRANT or REVOKE changes privileges'),
  GrantRoleStmt: flag('GRANT or REVOKE of a role changes role membership'),
  AlterDefaultPrivilegesStmt: flag('ALTER DEFAULT PRIVILEGES changes the privileges future objects get'),
  CreateRoleStmt: flag('a role is created'),
  AlterRoleStmt: flag('a role is altered (attributes, membership or password)'),
  DropRoleStmt: flag('a role is dropped'),
  ReassignOwnedStmt: flag('REASSIGN OWNED gives every object of a role to another role'),
  AlterOwnerStmt: flag('ALTER ... OWNER TO gives an object to another role'),
  CreatePolicyStmt: flag('a row security policy changes which rows roles can see or change'),
  AlterPolicyStmt: flag('a row security policy changes which rows roles can see or change'),
  CreateUserMappingStmt: flag('a user mapping stores credentials for a foreign server'),
  AlterUserMappingStmt: flag('a user mapping stores credentials for a foreign server'),
  DropUserMappingStmt: flag('a user mapping for a foreign server is dropped'),
  DropStmt: dropStmt,
  AlterTableStmt: alterTableStmt,
};
