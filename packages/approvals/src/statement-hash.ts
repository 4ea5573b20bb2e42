import { createHash } from 'node:crypto';
import type { StatementFacts, TableRef } from '@gatehouse/sql-core';
import type { ApprovalStatement, StatementSummary } from './approval-request';

/** Lower-case hex SHA-256 of the exact statement text, as the client sent it (UTF-8). */
export function statementTextHash(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/**
 * The fingerprint an approval (and a CI grant) is pinned to: the statement's
 * own fingerprint for one statement, or a SHA-256 over the fingerprints of a
 * multi-statement string, in order.
 */
export function statementFingerprint(statements: readonly Pick<StatementFacts, 'fingerprint'>[]): string {
  if (statements.length === 1) return statements[0]?.fingerprint ?? '';
  const h = createHash('sha256');
  for (const s of statements) h.update(s.fingerprint).update('\n');
  return `multi:${h.digest('hex')}`;
}

function tableName(t: TableRef): string {
  return t.schema === null ? t.name : `${t.schema}.${t.name}`;
}

/** What is stored of the statement: the shape, the facts and a hash of the text; never the literals. */
export function summariseStatement(sql: string, statements: readonly StatementFacts[]): ApprovalStatement {
  const summaries: StatementSummary[] = statements.map((f) => ({
    kind: f.kind,
    command: f.command,
    normalized: f.normalized,
    fingerprint: f.fingerprint,
    tablesRead: f.tablesRead.map(tableName),
    tablesWritten: f.tablesWritten.map(tableName),
    guardrails: f.guardrails.map((g) => g.id),
  }));
  return {
    normalized: statements.map((f) => f.normalized).join(';\n'),
    fingerprint: statementFingerprint(statements),
    textHash: statementTextHash(sql),
    statements: summaries,
  };
}
