import { loadModule, parseSync } from 'libpg-query';
import { AnalysisCache } from '../analysis-cache';
import type { StatementDataFlow } from '../data-flow';
import { traceStatement } from './lineage-statements';
import { isObj, list } from './pg-node';
import { SourceText } from './statement-text';

export interface PostgresDataFlowOptions {
  /** Distinct statement texts whose data flow is kept (least recently used first out). Default 10,000. */
  readonly cacheSize?: number;
  /** Texts longer than this (characters) are traced every time, not cached. Default 16,384. */
  readonly maxCachedLength?: number;
}

const EMPTY: readonly StatementDataFlow[] = Object.freeze([]);

/**
 * The data flow of each statement of a client string (one entry per
 * statement, in the order `StatementAnalyser.analyse` lists them), or an empty
 * list when the text does not parse. Pure; needs libpg-query's WASM loaded
 * (`createPostgresDataFlowAnalyser` or the PostgreSQL analyser load it).
 */
export function analysePostgresDataFlow(sql: string): readonly StatementDataFlow[] {
  const statements = splitStatements(sql);
  if (statements.length === 0) return EMPTY;
  return Object.freeze(statements.map((s) => traceStatement(s.node, s.text)));
}

/**
 * The text of each statement of a client string, split where PostgreSQL splits
 * it (one entry per statement, in the order `analysePostgresDataFlow` and
 * `StatementAnalyser.analyse` list them; without the `;`), or an empty list
 * when the text does not parse. For sending statements one at a time (a
 * Parse takes one statement).
 */
export function postgresStatementTexts(sql: string): readonly string[] {
  return splitStatements(sql).map((s) => s.text);
}

function splitStatements(sql: string): { node: unknown; text: string }[] {
  if (sql.length === 0) return [];
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch {
    return [];
  }
  const source = new SourceText(sql);
  const out: { node: unknown; text: string }[] = [];
  for (const raw of list(isObj(tree) ? tree.stmts : undefined)) {
    if (!isObj(raw)) continue;
    const start = typeof raw.stmt_location === 'number' ? raw.stmt_location : 0;
    // stmt_len 0 (left out of the JSON) means "to the end of the string".
    const end =
      typeof raw.stmt_len === 'number' && raw.stmt_len > 0 ? start + raw.stmt_len : source.byteLength;
    out.push({ node: raw.stmt, text: source.slice(start, end) });
  }
  return out;
}

/**
 * Output-column lineage and value flows of PostgreSQL statements, cached by
 * exact text. A separate parse from the statement analyser's: only identities
 * whose results are masked need it.
 */
export class PostgresDataFlowAnalyser {
  readonly #cache: AnalysisCache<readonly StatementDataFlow[]>;
  readonly #maxCachedLength: number;

  constructor(options: PostgresDataFlowOptions = {}) {
    this.#cache = new AnalysisCache(options.cacheSize ?? 10_000);
    this.#maxCachedLength = options.maxCachedLength ?? 16_384;
  }

  /**
   * `normalized`: the text with its constants replaced by placeholders (StatementFacts.normalized),
   * when known. Texts that differ only in their constants then share one trace (a statement run with
   * a thousand different ids is parsed once), unless a constant matters to the flow or the text may
   * hold a masked placeholder (`***`), whose literals are checked.
   */
  analyse(sql: string, normalized?: string): readonly StatementDataFlow[] {
    const cacheable = sql.length <= this.#maxCachedLength;
    if (cacheable) {
      const hit = this.#cache.get(sql);
      if (hit !== undefined) return hit;
    }
    const shareable = normalized !== undefined && normalized !== sql && !sql.includes('***');
    const shapeKey = shareable ? `\u0000${normalized}` : null;
    if (shapeKey !== null) {
      const hit = this.#cache.get(shapeKey);
      if (hit !== undefined) return hit;
    }
    const result = analysePostgresDataFlow(sql);
    if (cacheable) this.#cache.set(sql, result);
    if (shapeKey !== null && result.every((f) => f.constantsMatter !== true))
      this.#cache.set(shapeKey, result);
    return result;
  }
}

export async function createPostgresDataFlowAnalyser(
  options: PostgresDataFlowOptions = {},
): Promise<PostgresDataFlowAnalyser> {
  await loadModule();
  return new PostgresDataFlowAnalyser(options);
}
