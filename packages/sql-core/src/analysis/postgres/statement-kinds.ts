import type { StatementKind } from '../statement-facts';
import { isObj, type Obj } from './pg-node';

/**
 * The base kind and command tag of each top-level statement node, before effects found inside
 * the statement raise it (see docs/analysis.md). The split follows PostgreSQL's own
 * `log_statement` classes (GetCommandLogLevel: ddl / mod / all), refined into the kinds policy
 * rules use. A node type missing here is `unknown` (fail closed).
 */
type Classifier = readonly [StatementKind, string | ((b: Obj) => string)];

const OBJECT_NAMES: Readonly<Record<string, string>> = {
  OBJECT_ACCESS_METHOD: 'ACCESS METHOD',
  OBJECT_AGGREGATE: 'AGGREGATE',
  OBJECT_CAST: 'CAST',
  OBJECT_COLUMN: 'COLUMN',
  OBJECT_COLLATION: 'COLLATION',
  OBJECT_CONVERSION: 'CONVERSION',
  OBJECT_DATABASE: 'DATABASE',
  OBJECT_DOMAIN: 'DOMAIN',
  OBJECT_DOMCONSTRAINT: 'DOMAIN',
  OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER',
  OBJECT_EXTENSION: 'EXTENSION',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_INDEX: 'INDEX',
  OBJECT_LANGUAGE: 'LANGUAGE',
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPERATOR: 'OPERATOR',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_PARAMETER_ACL: 'PARAMETER',
  OBJECT_POLICY: 'POLICY',
  OBJECT_PROCEDURE: 'PROCEDURE',
  OBJECT_PUBLICATION: 'PUBLICATION',
  OBJECT_ROLE: 'ROLE',
  OBJECT_ROUTINE: 'ROUTINE',
  OBJECT_RULE: 'RULE',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_SUBSCRIPTION: 'SUBSCRIPTION',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_TABCONSTRAINT: 'TABLE',
  OBJECT_TABLE: 'TABLE',
  OBJECT_TABLESPACE: 'TABLESPACE',
  OBJECT_TRANSFORM: 'TRANSFORM',
  OBJECT_TRIGGER: 'TRIGGER',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_TYPE: 'TYPE',
  OBJECT_USER_MAPPING: 'USER MAPPING',
  OBJECT_VIEW: 'VIEW',
};

function objectName(type: unknown): string {
  return (typeof type === 'string' && OBJECT_NAMES[type]) || 'OBJECT';
}

const TRANSACTION_TAGS: Readonly<Record<string, string>> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
  TRANS_STMT_RELEASE: 'RELEASE',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

const ROLE_STMT: Readonly<Record<string, string>> = {
  ROLESTMT_ROLE: 'ROLE',
  ROLESTMT_USER: 'USER',
  ROLESTMT_GROUP: 'GROUP',
};

const DEFINE_KINDS: Readonly<Record<string, string>> = {
  OBJECT_AGGREGATE: 'CREATE AGGREGATE',
  OBJECT_OPERATOR: 'CREATE OPERATOR',
  OBJECT_TYPE: 'CREATE TYPE',
  OBJECT_TSPARSER: 'CREATE TEXT SEARCH PARSER',
  OBJECT_TSDICTIONARY: 'CREATE TEXT SEARCH DICTIONARY',
  OBJECT_TSTEMPLATE: 'CREATE TEXT SEARCH TEMPLATE',
  OBJECT_TSCONFIGURATION: 'CREATE TEXT SEARCH CONFIGURATION',
  OBJECT_COLLATION: 'CREATE COLLATION',
};

const ddl = (tag: string | ((b: Obj) => string)): Classifier => ['ddl', tag];

const CLASSIFIERS: Readonly<Record<string, Classifier>> = {
  // Queries and data changes.
  SelectStmt: ['read', (b) => (b.intoClause ? 'SELECT INTO' : 'SELECT')],
  InsertStmt: ['write', 'INSERT'],
  UpdateStmt: ['write', 'UPDATE'],
  DeleteStmt: ['write', 'DELETE'],
  MergeStmt: ['write', 'MERGE'],
  // COPY FROM is raised to write by its handler.
  CopyStmt: ['read', 'COPY'],
  // TRUNCATE is PostgreSQL's "mod" class: it removes data, it does not change definitions.
  TruncateStmt: ['write', 'TRUNCATE TABLE'],
  // Effects of the inner statement are merged by the wrapper handlers.
  ExplainStmt: ['utility', 'EXPLAIN'],
  PrepareStmt: ['read', 'PREPARE'],
  ExecuteStmt: ['unknown', 'EXECUTE'],
  DeallocateStmt: ['utility', (b) => (b.isall ? 'DEALLOCATE ALL' : 'DEALLOCATE')],
  DeclareCursorStmt: ['read', 'DECLARE CURSOR'],
  FetchStmt: ['utility', (b) => (b.ismove ? 'MOVE' : 'FETCH')],
  ClosePortalStmt: ['utility', (b) => (b.portalname === undefined ? 'CLOSE CURSOR ALL' : 'CLOSE CURSOR')],
  NotifyStmt: ['utility', 'NOTIFY'],
  ListenStmt: ['utility', 'LISTEN'],
  UnlistenStmt: ['utility', 'UNLISTEN'],
  // A procedure can run any statement, including COMMIT: unknown unless a rule allows it.
  CallStmt: ['unknown', 'CALL'],
  // DO is judged by its PL/pgSQL body (plpgsql-body.ts); the base is the weakest non-read kind.
  DoStmt: ['utility', 'DO'],
  LockStmt: ['utility', 'LOCK TABLE'],

  // Transactions and session state.
  TransactionStmt: ['transaction', (b) => TRANSACTION_TAGS[String(b.kind)] ?? 'TRANSACTION'],
  ConstraintsSetStmt: ['transaction', 'SET CONSTRAINTS'],
  VariableSetStmt: [
    'session',
    (b) => (b.kind === 'VAR_RESET' || b.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET'),
  ],
  VariableShowStmt: ['session', 'SHOW'],
  DiscardStmt: [
    'session',
    (b) =>
      ({
        DISCARD_ALL: 'DISCARD ALL',
        DISCARD_PLANS: 'DISCARD PLANS',
        DISCARD_SEQUENCES: 'DISCARD SEQUENCES',
        DISCARD_TEMP: 'DISCARD TEMP',
      })[String(b.target)] ?? 'DISCARD',
  ],

  // Privileges and roles.
  GrantStmt: ['dcl', (b) => (b.is_grant ? 'GRANT' : 'REVOKE')],
  GrantRoleStmt: ['dcl', (b) => (b.is_grant ? 'GRANT ROLE' : 'REVOKE ROLE')],
  AlterDefaultPrivilegesStmt: ['dcl', 'ALTER DEFAULT PRIVILEGES'],
  CreateRoleStmt: ['dcl', (b) => `CREATE ${ROLE_STMT[String(b.stmt_type)] ?? 'ROLE'}`],
  AlterRoleStmt: ['dcl', 'ALTER ROLE'],
  AlterRoleSetStmt: ['dcl', 'ALTER ROLE'],
  DropRoleStmt: ['dcl', 'DROP ROLE'],
  ReassignOwnedStmt: ['dcl', 'REASSIGN OWNED'],
  AlterOwnerStmt: ['dcl', (b) => `ALTER ${objectName(b.objectType)}`],
  CreatePolicyStmt: ['dcl', 'CREATE POLICY'],
  AlterPolicyStmt: ['dcl', 'ALTER POLICY'],
  CreateUserMappingStmt: ['dcl', 'CREATE USER MAPPING'],
  AlterUserMappingStmt: ['dcl', 'ALTER USER MAPPING'],
  DropUserMappingStmt: ['dcl', 'DROP USER MAPPING'],

  // Server administration and maintenance.
  VacuumStmt: ['admin', (b) => (b.is_vacuumcmd ? 'VACUUM' : 'ANALYZE')],
  ClusterStmt: ['admin', 'CLUSTER'],
  ReindexStmt: ['admin', 'REINDEX'],
  CheckPointStmt: ['admin', 'CHECKPOINT'],
  AlterSystemStmt: ['admin', 'ALTER SYSTEM'],
  LoadStmt: ['admin', 'LOAD'],
  AlterDatabaseSetStmt: ['admin', 'ALTER DATABASE'],
  AlterDatabaseStmt: ['admin', 'ALTER DATABASE'],
  AlterDatabaseRefreshCollStmt: ['admin', 'ALTER DATABASE'],
  CreatedbStmt: ['admin', 'CREATE DATABASE'],
  DropdbStmt: ['admin', 'DROP DATABASE'],
  CreateTableSpaceStmt: ['admin', 'CREATE TABLESPACE'],
  DropTableSpaceStmt: ['admin', 'DROP TABLESPACE'],
  AlterTableSpaceOptionsStmt: ['admin', 'ALTER TABLESPACE'],
  AlterTableMoveAllStmt: ['admin', 'ALTER TABLE'],
  CreateSubscriptionStmt: ['admin', 'CREATE SUBSCRIPTION'],
  AlterSubscriptionStmt: ['admin', 'ALTER SUBSCRIPTION'],
  DropSubscriptionStmt: ['admin', 'DROP SUBSCRIPTION'],
  CreateEventTrigStmt: ['admin', 'CREATE EVENT TRIGGER'],
  AlterEventTrigStmt: ['admin', 'ALTER EVENT TRIGGER'],

  // Definitions.
  CreateStmt: ddl('CREATE TABLE'),
  CreateForeignTableStmt: ddl('CREATE FOREIGN TABLE'),
  CreateTableAsStmt: ddl((b) =>
    b.is_select_into
      ? 'SELECT INTO'
      : b.objtype === 'OBJECT_MATVIEW'
        ? 'CREATE MATERIALIZED VIEW'
        : 'CREATE TABLE AS',
  ),
  RefreshMatViewStmt: ddl('REFRESH MATERIALIZED VIEW'),
  ViewStmt: ddl('CREATE VIEW'),
  IndexStmt: ddl('CREATE INDEX'),
  AlterTableStmt: ddl((b) => `ALTER ${objectName(b.objtype)}`),
  DropStmt: ddl((b) => `DROP ${objectName(b.removeType)}`),
  RenameStmt: ddl(
    (b) =>
      `ALTER ${objectName(b.renameType === 'OBJECT_COLUMN' || b.renameType === 'OBJECT_TABCONSTRAINT' ? b.relationType : b.renameType)}`,
  ),
  AlterObjectSchemaStmt: ddl((b) => `ALTER ${objectName(b.objectType)}`),
  AlterObjectDependsStmt: ddl((b) => `ALTER ${objectName(b.objectType)}`),
  CommentStmt: ddl('COMMENT'),
  SecLabelStmt: ddl('SECURITY LABEL'),
  CreateSchemaStmt: ddl('CREATE SCHEMA'),
  CreateSeqStmt: ddl('CREATE SEQUENCE'),
  AlterSeqStmt: ddl('ALTER SEQUENCE'),
  CreateFunctionStmt: ddl((b) => (b.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION')),
  AlterFunctionStmt: ddl((b) => `ALTER ${objectName(b.objtype)}`),
  CreateTrigStmt: ddl('CREATE TRIGGER'),
  RuleStmt: ddl('CREATE RULE'),
  DefineStmt: ddl((b) => DEFINE_KINDS[String(b.kind)] ?? 'CREATE TYPE'),
  CompositeTypeStmt: ddl('CREATE TYPE'),
  CreateEnumStmt: ddl('CREATE TYPE'),
  CreateRangeStmt: ddl('CREATE TYPE'),
  AlterEnumStmt: ddl('ALTER TYPE'),
  AlterTypeStmt: ddl('ALTER TYPE'),
  CreateDomainStmt: ddl('CREATE DOMAIN'),
  AlterDomainStmt: ddl('ALTER DOMAIN'),
  CreateExtensionStmt: ddl('CREATE EXTENSION'),
  AlterExtensionStmt: ddl('ALTER EXTENSION'),
  AlterExtensionContentsStmt: ddl('ALTER EXTENSION'),
  CreateFdwStmt: ddl('CREATE FOREIGN DATA WRAPPER'),
  AlterFdwStmt: ddl('ALTER FOREIGN DATA WRAPPER'),
  CreateForeignServerStmt: ddl('CREATE SERVER'),
  AlterForeignServerStmt: ddl('ALTER SERVER'),
  ImportForeignSchemaStmt: ddl('IMPORT FOREIGN SCHEMA'),
  CreatePLangStmt: ddl('CREATE LANGUAGE'),
  CreateAmStmt: ddl('CREATE ACCESS METHOD'),
  CreateOpClassStmt: ddl('CREATE OPERATOR CLASS'),
  CreateOpFamilyStmt: ddl('CREATE OPERATOR FAMILY'),
  AlterOpFamilyStmt: ddl('ALTER OPERATOR FAMILY'),
  AlterOperatorStmt: ddl('ALTER OPERATOR'),
  CreateConversionStmt: ddl('CREATE CONVERSION'),
  CreateCastStmt: ddl('CREATE CAST'),
  CreateTransformStmt: ddl('CREATE TRANSFORM'),
  CreateStatsStmt: ddl('CREATE STATISTICS'),
  AlterStatsStmt: ddl('ALTER STATISTICS'),
  AlterCollationStmt: ddl('ALTER COLLATION'),
  AlterTSDictionaryStmt: ddl('ALTER TEXT SEARCH DICTIONARY'),
  AlterTSConfigurationStmt: ddl('ALTER TEXT SEARCH CONFIGURATION'),
  CreatePublicationStmt: ddl('CREATE PUBLICATION'),
  AlterPublicationStmt: ddl('ALTER PUBLICATION'),
  ReplicaIdentityStmt: ddl('ALTER TABLE'),
  // DROP OWNED drops objects (and revokes privileges): a definition change first.
  DropOwnedStmt: ddl('DROP OWNED'),
};

export interface Classification {
  readonly kind: StatementKind;
  readonly command: string;
  readonly known: boolean;
}

export function classify(type: string, body: unknown): Classification {
  const c = CLASSIFIERS[type];
  if (c === undefined) return { kind: 'unknown', command: 'UNKNOWN', known: false };
  const [kind, tag] = c;
  return { kind, command: typeof tag === 'string' ? tag : tag(isObj(body) ? body : {}), known: true };
}

export function isStatementType(type: string): boolean {
  return CLASSIFIERS[type] !== undefined;
}
