import type { StatementFacts } from '../analysis/statement-facts';

/** Bounds one session's memory of SQL-level prepared statements. */
const MAX_PREPARED = 1000;

/**
 * The facts of each SQL-level `PREPARE name AS ...` a session was allowed to
 * run, so `EXECUTE name` is judged as the statement it runs. A PREPARE that
 * was denied is never remembered: its EXECUTE stays unknown, and denied.
 */
export class PreparedStatements {
  readonly #byName = new Map<string, StatementFacts>();

  readonly lookup = (name: string): StatementFacts | undefined => this.#byName.get(name);

  /** Applies an allowed string's PREPAREs and DEALLOCATEs, in order. */
  apply(statements: readonly StatementFacts[]): void {
    for (const facts of statements) {
      if (facts.prepares !== undefined) {
        // Past the bound, the oldest name is forgotten: its EXECUTE becomes unknown (fail closed).
        if (this.#byName.size >= MAX_PREPARED && !this.#byName.has(facts.prepares)) {
          const oldest = this.#byName.keys().next().value;
          if (oldest !== undefined) this.#byName.delete(oldest);
        }
        this.#byName.set(facts.prepares, facts);
      }
      if (facts.deallocates === '*') this.#byName.clear();
      else if (facts.deallocates !== undefined) this.#byName.delete(facts.deallocates);
    }
  }

  /**
   * A protocol-level Parse named `name` was allowed: PostgreSQL keeps both
   * kinds in one namespace, so SQL `EXECUTE name` now runs it, and is judged
   * as it. Anything but one statement (`facts` null) forgets the name: its
   * EXECUTE is unknown (fail closed).
   */
  define(name: string, facts: StatementFacts | null): void {
    if (facts === null) {
      this.#byName.delete(name);
      return;
    }
    this.apply([{ ...facts, prepares: name }]);
  }

  /** A protocol-level Close of statement `name` (or a Parse that did not pass): EXECUTE name is unknown again. */
  forget(name: string): void {
    this.#byName.delete(name);
  }

  get size(): number {
    return this.#byName.size;
  }
}
