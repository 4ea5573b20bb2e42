import * as libpg from 'libpg-query';
import {
  createPostgresAnalyser,
  type PostgresAnalyser,
  type StatementFacts,
  type StatementKind,
  type TableRef,
} from '../../src/analysis';

/**
 * Table-driven analysis tests. Each case is a client string and what analysis must say about
 * it. Unless a case says otherwise, it must read no table, write no table and trigger no
 * guardrail: every case is also a near miss for everything it does not list.
 */
export interface Expect {
  readonly kind: StatementKind;
  readonly command?: string;
  /** `schema.name` or `name` (unqualified), in any order. */
  readonly read?: readonly string[];
  readonly written?: readonly string[];
  readonly guardrails?: readonly string[];
  /** Checked only when given. */
  readonly functions?: readonly string[];
}

export interface Case extends Partial<Expect> {
  readonly sql: string;
  /** A string of several statements: one expectation per statement, in order. */
  readonly each?: readonly Expect[];
  readonly note?: string;
}

export function tableName(t: TableRef): string {
  return t.schema === null ? t.name : `${t.schema}.${t.name}`;
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

export function summary(f: StatementFacts, e: Expect): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: f.kind,
    read: sorted(f.tablesRead.map(tableName)),
    written: sorted(f.tablesWritten.map(tableName)),
    guardrails: sorted(f.guardrails.map((g) => g.id)),
  };
  if (e.command !== undefined) out.command = f.command;
  if (e.functions !== undefined) out.functions = sorted(f.functions);
  return out;
}

export function wanted(e: Expect): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: e.kind,
    read: sorted(e.read ?? []),
    written: sorted(e.written ?? []),
    guardrails: sorted(e.guardrails ?? []),
  };
  if (e.command !== undefined) out.command = e.command;
  if (e.functions !== undefined) out.functions = sorted(e.functions);
  return out;
}

/** Run a table of cases against a fresh analyser (no cache, so every case is really analysed). */
export function analysisTable(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    let analyser: PostgresAnalyser;
    let fallback: jest.SpyInstance;
    beforeAll(async () => {
      analyser = await createPostgresAnalyser({ cacheSize: 0 });
      fallback = jest.spyOn(libpg, 'normalizeSync');
    });
    afterAll(() => fallback.mockRestore());
    const rows = cases.map((c) => [c.note === undefined ? c.sql : `${c.sql}  [${c.note}]`, c] as const);
    test.each(rows)('%s', (_name, c) => {
      const statements = analyser.analyse(c.sql).statements;
      const expects: readonly Expect[] = c.each ?? [c as Expect];
      expect(statements.map((s, i) => summary(s, expects[i] ?? { kind: 'unknown' }))).toEqual(
        expects.map(wanted),
      );
      for (const s of statements) {
        // Every guardrail detail and unknown reason is a sentence with no literal from the statement.
        for (const g of s.guardrails) expect(g.detail.length).toBeGreaterThan(10);
        if (s.kind === 'unknown') expect(s.unknownReason).toBeTruthy();
      }
      // The literal normaliser agreed with the parser on every constant (no fallback needed).
      expect(fallback).not.toHaveBeenCalled();
    });
  });
}
