import { fingerprintSync, loadModule, normalizeSync, parsePlPgSQLSync, parseSync } from 'libpg-query';
import { AnalysisCache } from '../analysis-cache';
import type {
  AnalyseOptions,
  Analysis,
  StatementAnalyser,
  StatementFacts,
  TableRef,
} from '../statement-facts';
import { FactsCollector } from './facts-collector';
import { literalShape, normaliseLiterals } from './literal-normaliser';
import { isObj, list } from './pg-node';
import { POSTGRES_REGISTRY } from './registry';
import { SourceText } from './statement-text';
import { analyseStatementNode, type TextContext } from './walker';

export interface PostgresAnalyserOptions {
  /** Distinct statement texts whose analysis is kept (least recently used first out). Default 10,000. */
  readonly cacheSize?: number;
  /** Texts longer than this (characters) are analysed every time, not cached. Default 16,384. */
  readonly maxCachedLength?: number;
}

/** SQL text nested in SQL text (a DO body's EXECUTE of a constant...) is followed this deep. */
const MAX_TEXT_DEPTH = 4;

let wasmLoaded = false;

/** Load libpg-query's WASM once, then analyse synchronously. */
export async function createPostgresAnalyser(
  options: PostgresAnalyserOptions = {},
): Promise<PostgresAnalyser> {
  await loadModule();
  wasmLoaded = true;
  return new PostgresAnalyser(options);
}

/**
 * StatementAnalyser for PostgreSQL, on the real PostgreSQL grammar (libpg-query). Pure and
 * synchronous after creation. Results are cached by exact statement text.
 */
export class PostgresAnalyser implements StatementAnalyser {
  readonly dialect = 'postgres' as const;
  readonly #cache: AnalysisCache<Analysis>;
  /** By shape (literals replaced): statements that differ only in literal values. */
  readonly #shapes: AnalysisCache<Analysis>;
  readonly #maxCachedLength: number;

  /** Use createPostgresAnalyser(): the parser's WASM must be loaded first. */
  constructor(options: PostgresAnalyserOptions = {}) {
    if (!wasmLoaded)
      throw new Error('PostgresAnalyser: call createPostgresAnalyser() so the parser is loaded first');
    this.#cache = new AnalysisCache(options.cacheSize ?? 10_000);
    this.#shapes = new AnalysisCache(options.cacheSize ?? 10_000);
    this.#maxCachedLength = options.maxCachedLength ?? 16_384;
  }

  analyse(sql: string, options?: AnalyseOptions): Analysis {
    const prepared = options?.prepared;
    const cacheable = sql.length <= this.#maxCachedLength;
    if (cacheable) {
      const hit = this.#cache.get(sql);
      // A cached EXECUTE was analysed without the session's prepared statements: redo it with them.
      if (
        hit !== undefined &&
        (prepared === undefined || !hit.statements.some((s) => s.executes !== undefined))
      )
        return hit;
    }
    const shape = cacheable ? literalShape(sql) : null;
    if (shape !== null) {
      const hit = this.#shapes.get(shape);
      if (hit !== undefined) return hit;
    }
    const { analysis, literalSensitive, lexerAgreed } = analyseText(sql, prepared);
    if (cacheable && (prepared === undefined || !analysis.statements.some((s) => s.executes !== undefined)))
      this.#cache.set(sql, analysis);
    if (shape !== null && !literalSensitive && lexerAgreed && analysis.statements.every(shareableByShape))
      this.#shapes.set(shape, analysis);
    return analysis;
  }
}

/**
 * Facts that hold for every text of the same shape: plain reads and writes with no guardrail,
 * no session state (PREPARE/EXECUTE) and nothing unknown. Everything else is cached by exact
 * text only.
 */
const SHAREABLE_COMMANDS: ReadonlySet<string> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

function shareableByShape(facts: StatementFacts): boolean {
  return (
    (facts.kind === 'read' || facts.kind === 'write') &&
    SHAREABLE_COMMANDS.has(facts.command) &&
    facts.guardrails.length === 0 &&
    facts.prepares === undefined &&
    facts.executes === undefined &&
    facts.deallocates === undefined
  );
}

interface TextAnalysis {
  readonly analysis: Analysis;
  /** A fact came from a literal's value: the analysis holds for this exact text only. */
  readonly literalSensitive: boolean;
  /** Gatehouse's lexer found the literals exactly where the parser did, in every statement. */
  readonly lexerAgreed: boolean;
}

function analyseText(sql: string, prepared: AnalyseOptions['prepared']): TextAnalysis {
  if (sql.length === 0) return { analysis: freezeAnalysis([]), literalSensitive: true, lexerAgreed: false };
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch (err) {
    return { analysis: freezeAnalysis([parseFailure(sql, err)]), literalSensitive: true, lexerAgreed: false };
  }
  const source = new SourceText(sql);
  const inString = new PreparedInString(prepared);
  const ctx = new Context(inString.lookup, [], 0);
  const raws = isObj(tree) ? list(tree.stmts) : [];
  const statements: StatementFacts[] = [];
  let lexerAgreed = true;
  for (const raw of raws) {
    if (!isObj(raw)) continue;
    const start = typeof raw.stmt_location === 'number' ? raw.stmt_location : 0;
    // stmt_len 0 (left out of the JSON) means "to the end of the string".
    const end =
      typeof raw.stmt_len === 'number' && raw.stmt_len > 0 ? start + raw.stmt_len : source.byteLength;
    // The slice may end in the whitespace before a `;`; it is not part of the statement.
    const text = source.slice(start, end).trimEnd();
    ctx.statementText = text;
    const collector = safely(() => analyseStatementNode(raw.stmt, ctx, POSTGRES_REGISTRY));
    const constAt = source.localIndices(ctx.constLocations, start, end);
    const keepAt = new Set(source.localIndices(ctx.typmodLocations, start, end));
    const ours = normaliseLiterals(text, constAt, keepAt);
    if (ours === null) lexerAgreed = false;
    const normalized = ours ?? fallbackNormalise(text, collector.command);
    const facts = toFacts(collector, fingerprint(text), normalized);
    inString.record(facts);
    statements.push(facts);
  }
  return { analysis: freezeAnalysis(statements), literalSensitive: ctx.literalSensitive, lexerAgreed };
}

/**
 * The server runs a string's statements in order, so an EXECUTE runs what its name holds at that
 * point: a PREPARE or DEALLOCATE earlier in the same string counts, before the session's memory
 * (which only learns an allowed string's PREPAREs once the whole string is allowed).
 */
class PreparedInString {
  /** Names prepared (facts) or deallocated (null) earlier in this string. */
  readonly #own = new Map<string, StatementFacts | null>();
  /** DEALLOCATE ALL / DISCARD ALL earlier in this string: the session's statements are gone. */
  #sessionGone = false;

  constructor(private readonly session: AnalyseOptions['prepared']) {}

  readonly lookup = (name: string): StatementFacts | undefined => {
    const own = this.#own.get(name);
    if (own !== undefined) return own ?? undefined;
    return this.#sessionGone ? undefined : this.session?.(name);
  };

  record(facts: StatementFacts): void {
    if (facts.prepares !== undefined) this.#own.set(facts.prepares, facts);
    if (facts.deallocates === '*') {
      this.#own.clear();
      this.#sessionGone = true;
    } else if (facts.deallocates !== undefined) {
      this.#own.set(facts.deallocates, null);
    }
  }
}

/** An exception inside the walk (a tree shape nobody foresaw) makes the statement unknown, never allowed. */
function safely(fn: () => FactsCollector): FactsCollector {
  try {
    return fn();
  } catch {
    const c = new FactsCollector('unknown', 'UNKNOWN');
    c.unknown('the statement could not be analysed');
    return c;
  }
}

function fingerprint(text: string): string {
  try {
    return fingerprintSync(text);
  } catch {
    return '';
  }
}

/** libpg-query's normaliser, when Gatehouse's lexer and the parser disagreed on where literals are. */
function fallbackNormalise(text: string, command: string): string {
  try {
    return normalizeSync(text);
  } catch {
    return `${command} /* statement text withheld: it could not be normalised */`;
  }
}

/** The reason a parse failed, without any text from the statement (messages quote the offending token). */
function parseFailureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const head = message.split(/ at or near | at end of input/)[0] ?? '';
  const safe = /^[a-z][a-z -]*$/i.test(head) ? head : 'syntax error';
  const details = isObj(err) && isObj(err.sqlDetails) ? err.sqlDetails : null;
  const at =
    details !== null && typeof details.cursorPosition === 'number'
      ? ` at character ${details.cursorPosition + 1}`
      : '';
  return `the statement could not be parsed: ${safe}${at}`;
}

function parseFailure(sql: string, err: unknown): StatementFacts {
  const c = new FactsCollector('unknown', 'UNKNOWN');
  c.unknown(parseFailureReason(err));
  // No parse tree: the lexer alone redacts literals (an unterminated one runs to the end).
  return toFacts(c, '', normaliseLiterals(sql, null, new Set()) ?? '');
}

function toFacts(c: FactsCollector, fp: string, normalized: string): StatementFacts {
  const facts: {
    -readonly [K in keyof StatementFacts]: StatementFacts[K];
  } = {
    kind: c.kind,
    command: c.command,
    tablesRead: Object.freeze([...c.tablesRead.values()]),
    tablesWritten: Object.freeze([...c.tablesWritten.values()]),
    columns: Object.freeze([...c.columns.values()]),
    functions: Object.freeze([...c.functions]),
    guardrails: Object.freeze(
      [...c.findings.values()].map((f) => Object.freeze({ id: f.id, detail: f.detail })),
    ),
    fingerprint: fp,
    normalized,
  };
  if (c.kind === 'unknown') facts.unknownReason = c.unknownReason ?? 'its effects cannot be determined';
  if (c.prepares !== undefined) facts.prepares = c.prepares;
  if (c.executes !== undefined) facts.executes = c.executes;
  if (c.deallocates !== undefined) facts.deallocates = c.deallocates;
  return Object.freeze(facts);
}

function freezeAnalysis(statements: StatementFacts[]): Analysis {
  return Object.freeze({ dialect: 'postgres' as const, statements: Object.freeze(statements) });
}

/** Per client string: positions for the normaliser, tables created so far, nested text analysis. */
class Context implements TextContext {
  readonly constLocations: number[] = [];
  readonly typmodLocations: number[] = [];
  statementText = '';
  literalSensitive = false;

  constructor(
    readonly prepared: AnalyseOptions['prepared'],
    readonly createdTables: TableRef[],
    readonly textDepth: number,
  ) {}

  analyseText(sql: string): FactsCollector[] | string {
    // SQL held in a string literal: its facts come from the literal's value.
    this.literalSensitive = true;
    if (this.textDepth + 1 >= MAX_TEXT_DEPTH) return 'SQL text is nested too deeply to analyse';
    const tree = this.parse(sql);
    if (typeof tree === 'string') return 'embedded SQL could not be parsed';
    const source = new SourceText(sql);
    const child = new Context(this.prepared, this.createdTables, this.textDepth + 1);
    const out: FactsCollector[] = [];
    for (const raw of list(isObj(tree) ? tree.stmts : undefined)) {
      if (!isObj(raw)) continue;
      const start = typeof raw.stmt_location === 'number' ? raw.stmt_location : 0;
      const end =
        typeof raw.stmt_len === 'number' && raw.stmt_len > 0 ? start + raw.stmt_len : source.byteLength;
      child.statementText = source.slice(start, end);
      out.push(safely(() => analyseStatementNode(raw.stmt, child, POSTGRES_REGISTRY)));
    }
    return out;
  }

  parse(sql: string): unknown {
    try {
      return parseSync(sql);
    } catch {
      return 'the text could not be parsed';
    }
  }

  parsePlpgsql(createFunctionSql: string): unknown {
    try {
      return parsePlPgSQLSync(createFunctionSql);
    } catch {
      return 'the PL/pgSQL body could not be parsed';
    }
  }
}
