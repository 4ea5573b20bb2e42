import { createHash } from 'node:crypto';
import { statementFingerprint, statementTextHash, summariseStatement } from './statement-hash';
import type { StatementFacts } from '@gatehouse/sql-core';

function facts(fingerprint: string, normalized: string): StatementFacts {
  return {
    kind: 'ddl',
    command: 'ALTER TABLE',
    tablesRead: [{ schema: null, name: 'accounts' }],
    tablesWritten: [{ schema: 'public', name: 'users' }],
    columns: [],
    functions: [],
    guardrails: [{ id: 'ddl-drop-column', detail: 'drops a column' }],
    fingerprint,
    normalized,
  };
}

describe('statement hashing', () => {
  it('hashes the exact text: any byte changes it', () => {
    const sql = 'DELETE FROM users WHERE id = 1';
    expect(statementTextHash(sql)).toBe(createHash('sha256').update(sql).digest('hex'));
    expect(statementTextHash(sql)).not.toBe(statementTextHash(`${sql} `));
    expect(statementTextHash('SELECT ’é’')).toBe(
      createHash('sha256').update(Buffer.from('SELECT ’é’', 'utf8')).digest('hex'),
    );
  });

  it('uses the fingerprint of a single statement, and an ordered hash of several', () => {
    expect(statementFingerprint([facts('abc', 'x')])).toBe('abc');
    const ab = statementFingerprint([facts('a', 'x'), facts('b', 'y')]);
    const ba = statementFingerprint([facts('b', 'y'), facts('a', 'x')]);
    expect(ab).toMatch(/^multi:[0-9a-f]{64}$/);
    expect(ab).not.toBe(ba);
  });

  it('summarises without the raw text', () => {
    const sql = "ALTER TABLE users DROP COLUMN ssn; UPDATE accounts SET note = 'secret 123-45-6789'";
    const s = summariseStatement(sql, [
      facts('f1', 'ALTER TABLE users DROP COLUMN ssn'),
      facts('f2', 'UPDATE accounts SET note = $1'),
    ]);
    expect(s.normalized).toBe('ALTER TABLE users DROP COLUMN ssn;\nUPDATE accounts SET note = $1');
    expect(s.textHash).toBe(statementTextHash(sql));
    expect(s.statements[0]).toEqual({
      kind: 'ddl',
      command: 'ALTER TABLE',
      normalized: 'ALTER TABLE users DROP COLUMN ssn',
      fingerprint: 'f1',
      tablesRead: ['accounts'],
      tablesWritten: ['public.users'],
      guardrails: ['ddl-drop-column'],
    });
    expect(JSON.stringify(s)).not.toContain('123-45-6789');
  });
});
