import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import type { ExplainReport } from '../../src/explain';
import { memoryIo } from '../../src/testing/memory-io';

/**
 * gatehouse.example.yaml, judged through `gatehouse explain`: every one of its
 * rules is the one that decides some statement (first match wins, so a rule
 * behind a broader one would never fire).
 */
const EXAMPLE = join(__dirname, '../../../../gatehouse.example.yaml');

async function explain(groups: string, sql: string): Promise<ExplainReport> {
  const io = memoryIo(join(__dirname, '../../../..'));
  const code = await runCli(
    [
      'explain',
      '--config',
      EXAMPLE,
      '--json',
      '--as',
      'someone',
      '--groups',
      groups,
      '--target',
      'local',
      sql,
    ],
    io,
  );
  expect({ code, err: io.err }).toEqual({ code: 0, err: '' });
  return JSON.parse(io.out) as ExplainReport;
}

describe('gatehouse.example.yaml rules', () => {
  // [groups, statement, kind of the statement, action, deciding rule]
  const TABLE: [string, string, string, string, string][] = [
    ['dev', "DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'users'; END $$", 'unknown', 'deny', 'unanalysable'],
    ['ops', 'SELEC 1', 'unknown', 'deny', 'unanalysable'],
    ['dev', 'DELETE FROM users', 'write', 'deny', 'no-guardrails'],
    ['ops', 'DROP TABLE users', 'ddl', 'deny', 'no-guardrails'],
    ['dev', 'UPDATE users SET name = 1 WHERE id = 2', 'write', 'allow', 'dev-all'],
    ['ops', 'SELECT * FROM users', 'read', 'allow', 'reads'],
    ['ops', 'UPDATE users SET name = 1 WHERE id = 2', 'write', 'deny', 'default-deny'],
  ];

  it.each(TABLE)('%s: %s (%s) -> %s by %s', async (groups, sql, kind, action, ruleId) => {
    const report = await explain(groups, sql);
    expect(report.statements.map((s) => s.facts.kind)).toEqual([kind]);
    expect(report.decision).toMatchObject({ action, ruleId });
  });

  it('every rule of the example decides at least one statement above', () => {
    const ids = loadConfig(EXAMPLE).policy.rules.map((r) => r.id);
    expect(ids.filter((id) => !TABLE.some((row) => row[4] === id))).toEqual([]);
  });
});
