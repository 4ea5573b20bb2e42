import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresAnalyser, GUARDRAIL_CATALOGUE, type PostgresAnalyser } from '../../src/analysis';

// docs/guardrails.md is part of the contract: every id in the catalogue is documented, and
// every documented trigger fires its id while every near miss does not.
const doc = readFileSync(join(__dirname, '../../../../docs/guardrails.md'), 'utf8');

interface Section {
  readonly id: string;
  readonly triggers: string[];
  readonly nearMisses: string[];
}

/** Code spans of a "- Triggers:" / "- Near miss:" line, up to any parenthesised remark. */
function statements(line: string): string[] {
  const head = line.replace(/\s\([^`]*\)\s*$/, '');
  return [...head.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

const sections: Section[] = doc
  .split(/^### /m)
  .slice(1)
  .map((chunk) => {
    const id = /^`([a-z-]+)`/.exec(chunk)?.[1] ?? '';
    const lines = chunk.split('\n');
    return {
      id,
      triggers: lines.filter((l) => l.startsWith('- Triggers:')).flatMap(statements),
      nearMisses: lines.filter((l) => l.startsWith('- Near miss:')).flatMap(statements),
    };
  });

describe('docs/guardrails.md', () => {
  let analyser: PostgresAnalyser;
  beforeAll(async () => {
    analyser = await createPostgresAnalyser({ cacheSize: 0 });
  });

  test('documents exactly the catalogue, each with a trigger and a near miss', () => {
    expect(sections.map((s) => s.id).sort()).toEqual(Object.keys(GUARDRAIL_CATALOGUE).sort());
    for (const s of sections) {
      expect({ id: s.id, triggers: s.triggers.length > 0, nearMisses: s.nearMisses.length > 0 }).toEqual({
        id: s.id,
        triggers: true,
        nearMisses: true,
      });
    }
  });

  const ids = (sql: string): string[] =>
    analyser.analyse(sql).statements.flatMap((f) => f.guardrails.map((g) => g.id));
  const kinds = (sql: string): string[] => analyser.analyse(sql).statements.map((f) => f.kind);

  test.each(sections.flatMap((s) => s.triggers.map((sql) => [s.id, sql] as const)))(
    '%s fires for %s',
    (id, sql) => {
      expect(ids(sql)).toContain(id);
    },
  );

  test.each(sections.flatMap((s) => s.nearMisses.map((sql) => [s.id, sql] as const)))(
    '%s stays quiet for %s',
    (id, sql) => {
      expect(kinds(sql)).not.toContain('unknown');
      expect(ids(sql)).not.toContain(id);
    },
  );
});
