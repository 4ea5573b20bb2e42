import { analysisTable } from './analysis-table';

// The kind mapping of docs/analysis.md, statement by statement, and the effects that raise a
// statement above its top-level kind.
analysisTable('statement kinds', [
  // read
  { sql: 'SELECT 1', kind: 'read', command: 'SELECT' },
  { sql: 'SELECT * FROM t', kind: 'read', read: ['t'] },
  { sql: 'TABLE t', kind: 'read', read: ['t'] },
  { sql: 'VALUES (1), (2)', kind: 'read' },
  { sql: 'SELECT * FROM t FOR UPDATE', kind: 'read', read: ['t'], note: 'row locks do not change the kind' },
  { sql: 'SELECT pg_sleep(1)', kind: 'read', functions: ['pg_sleep'] },
  { sql: 'SELECT txid_current()', kind: 'read', functions: ['txid_current'] },
  { sql: 'DECLARE c CURSOR FOR SELECT * FROM t', kind: 'read', command: 'DECLARE CURSOR', read: ['t'] },
  { sql: 'COPY t TO STDOUT', kind: 'read', command: 'COPY', read: ['t'] },
  { sql: 'COPY (SELECT a FROM t) TO STDOUT WITH (FORMAT csv)', kind: 'read', read: ['t'] },
  { sql: 'PREPARE q AS SELECT * FROM t WHERE id = $1', kind: 'read', command: 'PREPARE', read: ['t'] },

  // write
  { sql: "INSERT INTO t (a) VALUES ('x')", kind: 'write', command: 'INSERT', written: ['t'] },
  { sql: 'UPDATE t SET a = 1 WHERE id = 2', kind: 'write', command: 'UPDATE', written: ['t'] },
  { sql: 'DELETE FROM t WHERE id = 2', kind: 'write', command: 'DELETE', written: ['t'] },
  {
    sql: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a',
    kind: 'write',
    command: 'MERGE',
    read: ['s'],
    written: ['t'],
  },
  { sql: 'COPY t FROM STDIN', kind: 'write', written: ['t'] },
  { sql: 'TRUNCATE t', kind: 'write', command: 'TRUNCATE TABLE', written: ['t'], guardrails: ['truncate'] },
  {
    sql: "SELECT nextval('orders_id_seq')",
    kind: 'write',
    written: ['orders_id_seq'],
    note: 'a sequence advances',
  },
  { sql: "SELECT setval('s.seq', 10)", kind: 'write', written: ['s.seq'] },
  { sql: "SELECT currval('seq')", kind: 'read', read: ['seq'] },
  {
    sql: 'WITH d AS (DELETE FROM t WHERE id = 1 RETURNING *) SELECT * FROM d',
    kind: 'write',
    read: ['t'],
    written: ['t'],
    guardrails: ['data-modifying-cte'],
  },
  { sql: 'SELECT lo_unlink(1234)', kind: 'write' },

  // ddl
  { sql: 'CREATE TABLE t (id int primary key)', kind: 'ddl', command: 'CREATE TABLE', written: ['t'] },
  { sql: 'SELECT * INTO t2 FROM t', kind: 'ddl', command: 'SELECT INTO', read: ['t'], written: ['t2'] },
  {
    sql: 'CREATE TABLE t2 AS SELECT * FROM t',
    kind: 'ddl',
    command: 'CREATE TABLE AS',
    read: ['t'],
    written: ['t2'],
  },
  {
    sql: 'CREATE MATERIALIZED VIEW m AS SELECT * FROM t',
    kind: 'ddl',
    command: 'CREATE MATERIALIZED VIEW',
    read: ['t'],
    written: ['m'],
  },
  {
    sql: 'CREATE VIEW v AS SELECT * FROM t',
    kind: 'ddl',
    command: 'CREATE VIEW',
    read: ['t'],
    written: ['v'],
  },
  { sql: 'ALTER TABLE t ADD COLUMN c int', kind: 'ddl', command: 'ALTER TABLE', written: ['t'] },
  { sql: 'DROP VIEW v', kind: 'ddl', command: 'DROP VIEW', written: ['v'] },
  { sql: 'CREATE SCHEMA s', kind: 'ddl', command: 'CREATE SCHEMA' },
  { sql: "COMMENT ON TABLE t IS 'x'", kind: 'ddl', command: 'COMMENT' },
  {
    sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    kind: 'ddl',
    command: 'CREATE FUNCTION',
  },
  { sql: 'CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$', kind: 'ddl', command: 'CREATE PROCEDURE' },
  { sql: 'CREATE EXTENSION pgcrypto', kind: 'ddl', command: 'CREATE EXTENSION' },
  { sql: "CREATE TYPE mood AS ENUM ('sad', 'ok')", kind: 'ddl', command: 'CREATE TYPE' },
  { sql: 'CREATE SEQUENCE s', kind: 'ddl', command: 'CREATE SEQUENCE', written: ['s'] },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY m', kind: 'ddl', written: ['m'] },
  { sql: 'DROP OWNED BY bob', kind: 'ddl', guardrails: ['drop-owned'] },

  // dcl
  {
    sql: 'GRANT SELECT ON t TO bob',
    kind: 'dcl',
    command: 'GRANT',
    written: ['t'],
    guardrails: ['privilege-change'],
  },
  {
    sql: 'REVOKE SELECT ON t FROM bob',
    kind: 'dcl',
    command: 'REVOKE',
    written: ['t'],
    guardrails: ['privilege-change'],
  },
  { sql: 'CREATE ROLE r LOGIN', kind: 'dcl', command: 'CREATE ROLE', guardrails: ['privilege-change'] },
  { sql: 'CREATE USER u', kind: 'dcl', command: 'CREATE USER', guardrails: ['privilege-change'] },
  { sql: 'ALTER ROLE r NOLOGIN', kind: 'dcl', command: 'ALTER ROLE', guardrails: ['privilege-change'] },
  { sql: 'DROP ROLE r', kind: 'dcl', command: 'DROP ROLE', guardrails: ['privilege-change'] },

  // admin
  { sql: 'VACUUM t', kind: 'admin', command: 'VACUUM', written: ['t'] },
  { sql: 'ANALYZE t', kind: 'admin', command: 'ANALYZE', written: ['t'] },
  { sql: 'CHECKPOINT', kind: 'admin', guardrails: ['server-control'] },
  {
    sql: 'ALTER SYSTEM SET work_mem = 65536',
    kind: 'admin',
    command: 'ALTER SYSTEM',
    guardrails: ['system-config'],
  },
  { sql: 'CREATE DATABASE d', kind: 'admin', command: 'CREATE DATABASE' },
  {
    sql: 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
    kind: 'admin',
    read: ['pg_stat_activity'],
    guardrails: ['server-control'],
  },
  { sql: 'SELECT pg_reload_conf()', kind: 'admin', guardrails: ['system-config'] },

  // transaction
  { sql: 'BEGIN', kind: 'transaction', command: 'BEGIN' },
  {
    sql: 'START TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    kind: 'transaction',
    command: 'START TRANSACTION',
  },
  { sql: 'COMMIT', kind: 'transaction', command: 'COMMIT' },
  { sql: 'ROLLBACK', kind: 'transaction', command: 'ROLLBACK' },
  { sql: 'SAVEPOINT a', kind: 'transaction', command: 'SAVEPOINT' },
  { sql: 'RELEASE SAVEPOINT a', kind: 'transaction', command: 'RELEASE' },
  { sql: 'ROLLBACK TO SAVEPOINT a', kind: 'transaction', command: 'ROLLBACK' },
  { sql: 'SET CONSTRAINTS ALL DEFERRED', kind: 'transaction', command: 'SET CONSTRAINTS' },

  // session
  { sql: 'SET search_path = app, public', kind: 'session', command: 'SET' },
  { sql: 'SET LOCAL statement_timeout = 0', kind: 'session', command: 'SET' },
  { sql: 'RESET ALL', kind: 'session', command: 'RESET' },
  { sql: 'SHOW server_version', kind: 'session', command: 'SHOW' },
  { sql: 'DISCARD ALL', kind: 'session', command: 'DISCARD ALL' },
  { sql: "SELECT set_config('search_path', '', false)", kind: 'session', note: 'pg_dump does this' },

  // utility
  { sql: 'EXPLAIN SELECT * FROM t', kind: 'utility', command: 'EXPLAIN', read: ['t'] },
  {
    sql: 'EXPLAIN DELETE FROM t',
    kind: 'utility',
    read: ['t'],
    note: 'planned, not run: no delete-without-where',
  },
  { sql: 'EXPLAIN ANALYZE SELECT * FROM t', kind: 'utility', read: ['t'] },
  { sql: 'LISTEN jobs', kind: 'utility', command: 'LISTEN' },
  { sql: "NOTIFY jobs, 'x'", kind: 'utility', command: 'NOTIFY' },
  { sql: "SELECT pg_notify('jobs', 'x')", kind: 'utility' },
  { sql: 'FETCH 10 FROM c', kind: 'utility', command: 'FETCH' },
  { sql: 'CLOSE c', kind: 'utility', command: 'CLOSE CURSOR' },
  { sql: 'DEALLOCATE q', kind: 'utility', command: 'DEALLOCATE' },
  { sql: 'LOCK TABLE t IN ACCESS SHARE MODE', kind: 'utility', command: 'LOCK TABLE', read: ['t'] },

  // unknown
  { sql: 'CALL p(1)', kind: 'unknown', command: 'CALL', functions: ['p'] },
  {
    sql: 'EXECUTE q(1)',
    kind: 'unknown',
    command: 'EXECUTE',
    note: 'without the session prepared statements',
  },
  { sql: "SELECT dblink('dbname=x', 'select 1')", kind: 'unknown', guardrails: ['dynamic-sql'] },
  {
    sql: "DO $$ BEGIN EXECUTE 'DELETE FROM ' || 't'; END $$",
    kind: 'unknown',
    command: 'DO',
    guardrails: ['dynamic-sql'],
  },
  { sql: 'SELEC 1', kind: 'unknown', command: 'UNKNOWN', note: 'parse error' },
]);
