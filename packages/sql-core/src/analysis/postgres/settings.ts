import { GuardrailId } from '../guardrail-catalogue';
import { parseBool } from './pg-node';

/**
 * What changing a run-time setting (GUC) means for Gatehouse. Setting names are matched
 * case-insensitively, as PostgreSQL's guc_name_compare does. A value of null means "not a
 * constant" (a computed set_config value): the change is then judged as if it could be anything.
 */
export interface SettingFinding {
  readonly id: GuardrailId;
  readonly detail: string;
}

/** `role` and `session_authorization` change whose privileges the session uses. */
function roleSwitch(name: string, value: string | null): SettingFinding | null {
  if (name !== 'role' && name !== 'session_authorization') return null;
  // `none` (SET ROLE NONE) and the default return to the login role: no switch. PostgreSQL
  // compares `none` case-sensitively, so 'NONE' in quotes names a role called NONE.
  if (value === 'none' || value === 'default') return null;
  return {
    id: GuardrailId.roleSwitch,
    detail: `the statement changes ${name === 'role' ? 'the current role' : 'the session authorization'}`,
  };
}

/**
 * Settings that change how the server lexes later statements. Gatehouse parses with the
 * defaults (standard_conforming_strings on, UTF-8): after such a change the server and the
 * gateway could read the same bytes as different statements.
 */
function lexingChange(name: string, value: string | null): SettingFinding | null {
  switch (name) {
    case 'standard_conforming_strings':
      if (value !== null && parseBool(value) === true) return null;
      return {
        id: GuardrailId.lexingChange,
        detail: 'turning standard_conforming_strings off changes how string literals are read',
      };
    case 'client_encoding': {
      // PostgreSQL ignores case and non-alphanumerics in encoding names (`UTF-8` is `utf8`).
      const enc = value?.toLowerCase().replace(/[^a-z0-9]/g, '');
      if (enc === 'utf8' || enc === 'unicode') return null;
      return {
        id: GuardrailId.lexingChange,
        detail: 'a client encoding other than UTF-8 changes how the statement bytes are read',
      };
    }
    case 'backslash_quote':
      if (value !== null && value.toLowerCase() === 'safe_encoding') return null;
      return {
        id: GuardrailId.lexingChange,
        detail: 'backslash_quote changes how quotes inside string literals are read',
      };
    default:
      return null;
  }
}

/** Settings that turn off integrity, auditing or security machinery, or load code. */
const SAFETY_SETTINGS: ReadonlySet<string> = new Set([
  // `replica` skips triggers, so foreign keys and audit triggers stop firing.
  'session_replication_role',
  'allow_system_table_mods',
  'zero_damaged_pages',
  'ignore_checksum_failure',
  'ignore_invalid_pages',
  'ignore_system_indexes',
  'row_security',
  'lo_compat_privileges',
  'session_preload_libraries',
  'local_preload_libraries',
  'shared_preload_libraries',
  'dynamic_library_path',
  'jit_provider',
]);

function systemConfig(name: string, value: string | null): SettingFinding | null {
  // Server logging and pgaudit: turning them down hides what the session does from the server's own trail.
  if (name.startsWith('log_') || name.startsWith('pgaudit.') || name.startsWith('debug_')) {
    return {
      id: GuardrailId.systemConfig,
      detail: 'the statement changes server logging or auditing settings',
    };
  }
  if (name === 'session_replication_role' && value !== null && value.toLowerCase() === 'origin') return null;
  if (name === 'row_security' && value !== null && parseBool(value) === true) return null;
  if (SAFETY_SETTINGS.has(name))
    return {
      id: GuardrailId.systemConfig,
      detail: 'the statement changes a setting that disables integrity or security checks or loads code',
    };
  return null;
}

/** Every finding a change of `name` to `value` gives (SET, SET LOCAL, set_config, function SET clauses). */
export function settingFindings(rawName: string, value: string | null): SettingFinding[] {
  const name = rawName.toLowerCase();
  const out: SettingFinding[] = [];
  for (const f of [roleSwitch(name, value), lexingChange(name, value), systemConfig(name, value)])
    if (f !== null) out.push(f);
  return out;
}
