import type { FuncCall } from '@pgsql/types';
import { GuardrailId } from '../guardrail-catalogue';
import type { StatementKind } from '../statement-facts';
import { EffectSource } from './facts-collector';
import { baseName, constString, functionName, list, tableFromQualifiedText, type Obj } from './pg-node';
import { settingFindings } from './settings';
import type { Walker } from './walker';

/**
 * Built-in and well-known extension functions whose call changes something beyond the rows a
 * query returns. Matched on the unqualified name whatever the schema (`pg_catalog.pg_read_file`,
 * `extensions.dblink_exec`): an attacker picks the spelling, and a same-named user function is
 * rare enough that flagging it is the safe error. User-defined functions are opaque: they are
 * listed in `functions`, and policy can match them, but their bodies are not followed.
 */
interface FunctionEffect {
  readonly kind?: StatementKind;
  readonly guardrail?: GuardrailId;
  readonly detail?: string;
  readonly unknownReason?: string;
}

const FILE_ACCESS: FunctionEffect = {
  kind: 'admin',
  guardrail: GuardrailId.fileOrProgramAccess,
  detail: 'the statement calls a function that reads or writes files on the database server',
};
const DYNAMIC: FunctionEffect = {
  kind: 'unknown',
  guardrail: GuardrailId.dynamicSql,
  detail: 'the statement calls a function that runs SQL given as text',
  unknownReason: 'it calls a function that runs SQL given as text',
};
const SERVER_CONTROL: FunctionEffect = {
  kind: 'admin',
  guardrail: GuardrailId.serverControl,
  detail: 'the statement calls a function that signals other sessions or controls the server',
};
const WRITE: FunctionEffect = { kind: 'write' };

function table(names: readonly string[], effect: FunctionEffect): [string, FunctionEffect][] {
  return names.map((n) => [n, effect]);
}

const EFFECTS: ReadonlyMap<string, FunctionEffect> = new Map<string, FunctionEffect>([
  ...table(
    [
      'pg_read_file',
      'pg_read_binary_file',
      'pg_ls_dir',
      'pg_stat_file',
      'pg_ls_logdir',
      'pg_ls_waldir',
      'pg_ls_tmpdir',
      'pg_ls_archive_statusdir',
      'pg_ls_logicalsnapdir',
      'pg_ls_logicalmapdir',
      'pg_ls_replslotdir',
      'pg_ls_summariesdir',
      // adminpack
      'pg_file_write',
      'pg_file_rename',
      'pg_file_unlink',
      'pg_file_sync',
      'pg_logdir_ls',
      // Server-side large object import/export read and write server files (psql's \lo_import is client-side and never reaches SQL).
      'lo_import',
      'lo_export',
    ],
    FILE_ACCESS,
  ),
  ...table(
    [
      'dblink',
      'dblink_exec',
      'dblink_open',
      'dblink_fetch',
      'dblink_send_query',
      'dblink_get_result',
      'dblink_connect',
      'dblink_connect_u',
      // These run the SQL text they are given (query_to_xml and friends read whole tables by name).
      'query_to_xml',
      'query_to_xmlschema',
      'query_to_xml_and_xmlschema',
      'table_to_xml',
      'table_to_xmlschema',
      'table_to_xml_and_xmlschema',
      'schema_to_xml',
      'schema_to_xmlschema',
      'schema_to_xml_and_xmlschema',
      'database_to_xml',
      'database_to_xmlschema',
      'database_to_xml_and_xmlschema',
      'ts_stat',
      // tablefunc
      'crosstab',
      'crosstab2',
      'crosstab3',
      'crosstab4',
      'connectby',
      // pg_cron (matched with its schema: `schedule` alone is too common a name), pg_background
      'cron.schedule',
      'cron.schedule_in_database',
      'cron.alter_job',
      'pg_background_launch',
    ],
    DYNAMIC,
  ),
  ...table(
    [
      'pg_terminate_backend',
      'pg_cancel_backend',
      'pg_rotate_logfile',
      'pg_rotate_logfile_old',
      'pg_promote',
      'pg_switch_wal',
      'pg_switch_xlog',
      'pg_create_restore_point',
      'pg_backup_start',
      'pg_backup_stop',
      'pg_start_backup',
      'pg_stop_backup',
      'pg_wal_replay_pause',
      'pg_wal_replay_resume',
      'pg_create_physical_replication_slot',
      'pg_create_logical_replication_slot',
      'pg_drop_replication_slot',
      'pg_copy_physical_replication_slot',
      'pg_copy_logical_replication_slot',
      'pg_replication_slot_advance',
      'pg_sync_replication_slots',
      'pg_replication_origin_create',
      'pg_replication_origin_drop',
      'pg_replication_origin_advance',
      'pg_replication_origin_session_setup',
      'pg_stat_reset',
      'pg_stat_reset_shared',
      'pg_stat_reset_single_table_counters',
      'pg_stat_reset_single_function_counters',
      'pg_stat_reset_slru',
      'pg_stat_reset_replication_slot',
      'pg_stat_reset_subscription_stats',
      'pg_stat_statements_reset',
      'pg_log_backend_memory_contexts',
      'pg_import_system_collations',
    ],
    SERVER_CONTROL,
  ),
  // pg_notify is NOTIFY by another spelling.
  ['pg_notify', { kind: 'utility' }],
  [
    'pg_reload_conf',
    {
      kind: 'admin',
      guardrail: GuardrailId.systemConfig,
      detail: 'the statement reloads the server configuration',
    },
  ],
  // Sequences and large objects are data: these change it.
  ...table(
    [
      'setval',
      'lo_create',
      'lo_creat',
      'lo_unlink',
      'lo_put',
      'lo_from_bytea',
      'lo_truncate',
      'lo_truncate64',
      'lowrite',
      'pg_logical_emit_message',
    ],
    WRITE,
  ),
]);

/** Record a function call: its name, and the kind and guardrails its effect gives the statement. */
export function functionCall(body: Obj, w: Walker): void {
  const fc = body as FuncCall;
  const name = functionName(fc);
  w.facts.functions.add(name);
  const base = baseName(name);
  const args = list(fc.args);
  switch (base) {
    case 'nextval':
    case 'setval':
    case 'currval': {
      // The sequence is named by a regclass literal: nextval('public.orders_id_seq').
      w.ctx.literalSensitive = true;
      const text = constString(args[0]);
      const seq = text === null ? null : tableFromQualifiedText(text);
      if (seq !== null) {
        if (base === 'currval') w.facts.read(seq);
        else w.facts.written(seq);
      }
      if (base !== 'currval') w.facts.raise('write', EffectSource.function);
      break;
    }
    case 'set_config':
      setConfig(args, w);
      break;
    default: {
      const effect = EFFECTS.get(base) ?? EFFECTS.get(name);
      if (effect !== undefined) {
        if (effect.kind !== undefined)
          w.facts.raise(effect.kind, EffectSource.function, effect.unknownReason);
        if (effect.guardrail !== undefined)
          w.facts.guardrail(effect.guardrail, effect.detail ?? '', EffectSource.function);
      }
    }
  }
  w.walkFields(body, FUNCALL_HANDLED);
}

const FUNCALL_HANDLED: ReadonlySet<string> = new Set(['funcname']);

/** set_config(name, value, is_local) is SET by another spelling: judged by the setting it changes. */
function setConfig(args: readonly unknown[], w: Walker): void {
  w.ctx.literalSensitive = true;
  w.facts.raise('session', EffectSource.function);
  const name = constString(args[0]);
  if (name === null) {
    w.facts.unknown('it calls set_config with a setting name computed at run time', EffectSource.function);
    w.facts.guardrail(
      GuardrailId.roleSwitch,
      'set_config with a computed setting name could change the current role',
      EffectSource.function,
    );
    return;
  }
  for (const f of settingFindings(name, constString(args[1])))
    w.facts.guardrail(f.id, f.detail, EffectSource.function);
}

/**
 * Functions that are not volatile (immutable or stable), so a column default built only from
 * them is evaluated once and ADD COLUMN needs no table rewrite. Anything not listed counts as
 * volatile (fail closed): random(), clock_timestamp(), gen_random_uuid(), nextval(), user functions.
 */
export const NON_VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  // now() and the transaction/statement timestamps are STABLE: one value per statement.
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_setting',
  'current_database',
  'current_schema',
  'current_user',
  'session_user',
  'lower',
  'upper',
  'length',
  'concat',
  'concat_ws',
  'btrim',
  'trim',
  'ltrim',
  'rtrim',
  'substring',
  'substr',
  'replace',
  'md5',
  'abs',
  'round',
  'floor',
  'ceil',
  'date_trunc',
  'extract',
  'date_part',
  'make_date',
  'make_time',
  'make_timestamp',
  'make_timestamptz',
  'make_interval',
  'to_char',
  'to_date',
  'to_timestamp',
  'to_number',
  'timezone',
  'to_json',
  'to_jsonb',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
  'array_fill',
  'int4',
  'int8',
  'numeric',
  'text',
]);
