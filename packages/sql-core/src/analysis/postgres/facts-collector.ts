import { strongerKind } from '../kind-order';
import type {
  ColumnRole,
  ColumnUse,
  GuardrailFinding,
  StatementFacts,
  StatementKind,
  TableRef,
} from '../statement-facts';
import { tableKey } from './pg-node';

/**
 * Where an effect was found. Function effects (a call to `pg_read_file`) count even where the
 * statement itself is not run, because PostgreSQL may still evaluate the call (EXPLAIN EXECUTE
 * evaluates parameters; the planner folds constant calls); statement effects (a DELETE without
 * WHERE) count only where the statement runs.
 */
export const EffectSource = { statement: 'statement', function: 'function' } as const;
export type EffectSource = (typeof EffectSource)[keyof typeof EffectSource];

interface Finding extends GuardrailFinding {
  readonly source: EffectSource;
}

/** Accumulates what the walk finds in one statement; `toFacts` in the analyser turns it into StatementFacts. */
export class FactsCollector {
  kind: StatementKind;
  command: string;
  unknownReason: string | undefined;
  /** The strongest kind raised by function effects alone (see EffectSource). */
  functionKind: StatementKind = 'read';
  functionUnknownReason: string | undefined;
  prepares: string | undefined;
  executes: string | undefined;
  deallocates: string | undefined;
  readonly tablesRead = new Map<string, TableRef>();
  readonly tablesWritten = new Map<string, TableRef>();
  readonly columns = new Map<string, ColumnUse>();
  readonly functions = new Set<string>();
  readonly findings = new Map<string, Finding>();

  constructor(kind: StatementKind, command: string) {
    this.kind = kind;
    this.command = command;
  }

  raise(kind: StatementKind, source: EffectSource = EffectSource.statement, unknownReason?: string): void {
    this.kind = strongerKind(this.kind, kind);
    if (kind === 'unknown' && this.unknownReason === undefined)
      this.unknownReason = unknownReason ?? 'its effects cannot be determined';
    if (source === EffectSource.function) {
      this.functionKind = strongerKind(this.functionKind, kind);
      if (kind === 'unknown' && this.functionUnknownReason === undefined)
        this.functionUnknownReason = unknownReason;
    }
  }

  /** Mark the statement unknown with a reason (no literal values in it). */
  unknown(reason: string, source: EffectSource = EffectSource.statement): void {
    this.raise('unknown', source, reason);
  }

  guardrail(id: string, detail: string, source: EffectSource = EffectSource.statement): void {
    const existing = this.findings.get(id);
    // A function finding is upgraded to a statement finding if both occur, never the reverse.
    if (
      existing === undefined ||
      (existing.source === EffectSource.function && source === EffectSource.statement)
    ) {
      this.findings.set(id, { id, detail: existing?.detail ?? detail, source });
    }
  }

  has(id: string): boolean {
    return this.findings.has(id);
  }

  // Facts are shared through the cache: every object kept here is frozen as it is stored.
  read(t: TableRef): void {
    this.tablesRead.set(tableKey(t), Object.freeze(t));
  }

  written(t: TableRef): void {
    this.tablesWritten.set(tableKey(t), Object.freeze(t));
  }

  column(table: TableRef | null, column: string, role: ColumnRole): void {
    const key = `${table === null ? '' : tableKey(table)}\u0001${column}\u0001${role}`;
    if (!this.columns.has(key))
      this.columns.set(
        key,
        Object.freeze({ table: table === null ? null : Object.freeze(table), column, role }),
      );
  }

  /**
   * Fold a nested statement's facts in. `executed`: the nested statement runs now (EXPLAIN
   * ANALYZE's, the body PREPARE is judged by, CREATE TABLE AS's query): everything carries over.
   * `planned`: it is only planned (plain EXPLAIN): its tables count as reads and only its function
   * effects carry over. `stored`: it is kept for later (a view's query, a rule's actions): its
   * tables count as reads, its effects are not this statement's.
   */
  merge(child: FactsCollector, mode: MergeMode): void {
    const executed = mode === 'executed';
    for (const [k, t] of child.tablesRead) this.tablesRead.set(k, t);
    for (const [k, t] of child.tablesWritten) (executed ? this.tablesWritten : this.tablesRead).set(k, t);
    for (const [k, c] of child.columns) if (!this.columns.has(k)) this.columns.set(k, c);
    for (const f of child.functions) this.functions.add(f);
    if (mode === 'stored') return;
    for (const f of child.findings.values()) {
      if (executed || f.source === EffectSource.function) this.guardrail(f.id, f.detail, f.source);
    }
    if (executed) {
      this.raise(child.kind, EffectSource.statement, child.unknownReason);
      if (child.executes !== undefined) this.executes = child.executes;
    }
    this.raise(child.functionKind, EffectSource.function, child.functionUnknownReason);
  }

  /** Fold in the facts a session recorded for a prepared statement (EXECUTE runs it now). */
  mergeFacts(f: StatementFacts): void {
    for (const t of f.tablesRead) this.read(t);
    for (const t of f.tablesWritten) this.written(t);
    for (const c of f.columns) this.column(c.table, c.column, c.role);
    for (const fn of f.functions) this.functions.add(fn);
    for (const g of f.guardrails) this.guardrail(g.id, g.detail);
    this.raise(f.kind, EffectSource.statement, f.unknownReason);
  }
}

export type MergeMode = 'executed' | 'planned' | 'stored';
