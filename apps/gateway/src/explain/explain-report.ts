import pino from 'pino';
import {
  createPostgresAnalyser,
  Pipeline,
  tableName,
  type CompiledPolicy,
  type ColumnUse,
  type Decision,
  type GuardrailFinding,
  type Identity,
  type PolicyVerdict,
  type RuleTrace,
  type SessionContext,
  type StatementAnalyser,
  type StatementEvent,
  type StatementFacts,
  type StatementKind,
  type TargetRef,
} from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';
import { compileConfiguredPolicy } from '../runtime/statement-pipeline';

/** Who, where and what to explain: the same inputs a session gives the pipeline. */
export interface ExplainRequest {
  /** The identity's subject, as a verified token would carry it. */
  readonly subject: string;
  readonly groups: readonly string[];
  /** A configured target name. */
  readonly target: string;
  /** Upstream database; the target's configured database when absent. */
  readonly database?: string;
  readonly sql: string;
}

/** The request names something the config does not have (a target): the caller's mistake. */
export class ExplainInputError extends Error {
  override readonly name = 'ExplainInputError';
}

export interface ExplainedFacts {
  readonly kind: StatementKind;
  /** Command tag, e.g. `DELETE`. */
  readonly command: string;
  /** `schema.table`, or `table` when the statement left the schema to the search path. */
  readonly tablesRead: readonly string[];
  readonly tablesWritten: readonly string[];
  readonly columns: readonly {
    readonly table: string | null;
    readonly column: string;
    readonly role: ColumnUse['role'];
  }[];
  readonly functions: readonly string[];
  readonly guardrails: readonly GuardrailFinding[];
  readonly fingerprint: string;
  readonly unknownReason?: string;
  readonly prepares?: string;
  readonly executes?: string;
  readonly deallocates?: string;
}

export interface ExplainedStatement {
  /** 1, 2, ... in the order the string holds them. */
  readonly index: number;
  /** The statement with literals replaced by placeholders. */
  readonly text: string;
  readonly facts: ExplainedFacts;
  /** The policy's verdict for this statement alone. */
  readonly verdict: PolicyVerdict;
  /** Every rule in order: matched, no match (with each condition and why), or not reached. */
  readonly trace: readonly RuleTrace[];
}

export const ClientOutcome = {
  /** The statement is forwarded to the upstream. */
  runs: 'runs',
  /** The client gets an error in place of the statement. */
  error: 'error',
  /** The statement waits for approval (a NoticeResponse says how to approve). */
  held: 'held',
} as const;
export type ClientOutcome = (typeof ClientOutcome)[keyof typeof ClientOutcome];

/** What the client would see on the wire. */
export interface ClientView {
  readonly outcome: ClientOutcome;
  /** `42501` for PostgreSQL denials, `42000` (with ERR 1142) for MySQL. */
  readonly sqlstate?: string;
  readonly message?: string;
}

export interface ExplainReport {
  readonly identity: { readonly subject: string; readonly groups: readonly string[] };
  readonly target: TargetRef;
  readonly database: string;
  /** The decision for the whole string: the strictest statement's verdict, as the pipeline takes it. */
  readonly decision: PolicyVerdict;
  readonly client: ClientView;
  readonly statements: readonly ExplainedStatement[];
  /** Which result columns would be masked and how: arrives with masking; always null until then. */
  readonly masking: null;
}

/** The verdict of a string that holds no statement (only comments or whitespace): the server answers it. */
const EMPTY_VERDICT: PolicyVerdict = Object.freeze({
  action: 'allow',
  ruleId: 'empty-statement',
  reason: 'the string holds no statement; the server answers it without running anything',
});

const SILENT = pino({ level: 'silent' });

interface Compiled {
  readonly policy: CompiledPolicy;
  readonly pipeline: Pipeline;
}

/**
 * Explains statements against a config: the real analyser, the policy
 * compiled exactly as the engines compile it, and the pipeline's own
 * decision (strictest statement wins). Nothing is forwarded, recorded or
 * held: the pipeline here has no audit trail, no approval gate and no
 * masking.
 */
export class Explainer {
  readonly #analyser: StatementAnalyser;
  /** One compiled policy per config object: a reload brings a new object, so a new policy. */
  readonly #compiled = new WeakMap<GatehouseConfig, Compiled>();

  private constructor(analyser: StatementAnalyser) {
    this.#analyser = analyser;
  }

  /** Loads the PostgreSQL parser (WASM) once. */
  static async create(): Promise<Explainer> {
    return new Explainer(await createPostgresAnalyser());
  }

  /** Throws ExplainInputError for an unknown target; PolicyConfigError cannot happen for a loaded config. */
  async explain(config: GatehouseConfig, request: ExplainRequest): Promise<ExplainReport> {
    const targetConfig = config.targets.find((t) => t.name === request.target);
    if (targetConfig === undefined) {
      const names = config.targets.map((t) => t.name).join(', ');
      throw new ExplainInputError(
        `no target named ${JSON.stringify(request.target)}; configured targets: ${names || '(none)'}`,
      );
    }
    const target: TargetRef = {
      name: targetConfig.name,
      engine: targetConfig.engine,
      environment: targetConfig.environment,
    };
    const database = request.database ?? targetConfig.upstream.database;
    const identity: Identity = {
      subject: request.subject,
      groups: [...request.groups],
      authMethod: 'jwt',
      issuer: 'gatehouse-explain',
    };
    const { policy, pipeline } = this.#compile(config);
    const event = explainEvent(identity, target, database, request.sql);

    const { statements, verdict } = pipeline.decide(event);
    const explained = statements.map((facts, i): ExplainedStatement => {
      const explanation = policy.explain({ identity, target, database, facts });
      return {
        index: i + 1,
        text: facts.normalized,
        facts: explainFacts(facts),
        verdict: explanation.verdict,
        trace: explanation.trace,
      };
    });
    const decision = verdict ?? EMPTY_VERDICT;
    const client = await clientView(pipeline, event, decision, target, config.approvals !== null);
    return {
      identity: { subject: identity.subject, groups: identity.groups },
      target,
      database,
      decision,
      client,
      statements: explained,
      masking: null,
    };
  }

  #compile(config: GatehouseConfig): Compiled {
    let compiled = this.#compiled.get(config);
    if (compiled === undefined) {
      const policy = compileConfiguredPolicy(config);
      const pipeline = new Pipeline({ analysers: { postgres: this.#analyser }, policy, logger: SILENT });
      compiled = { policy, pipeline };
      this.#compiled.set(config, compiled);
    }
    return compiled;
  }
}

function explainEvent(identity: Identity, target: TargetRef, database: string, sql: string): StatementEvent {
  const session: SessionContext = {
    id: 'explain',
    identity,
    target,
    database,
    clientAddress: 'explain',
    clientUser: identity.subject,
    tls: false,
    logger: SILENT,
  };
  // No prepared-statement memory: an `EXECUTE name` is explained as a fresh session would see it (unknown).
  return { session, seq: 0, sql, source: 'simple', inTransaction: false };
}

/**
 * What the client gets. Without approvals a review becomes a denial whose
 * wording the pipeline owns, so the pipeline (with nothing to record and no
 * gate) is asked for it rather than the text being rebuilt here.
 */
async function clientView(
  pipeline: Pipeline,
  event: StatementEvent,
  verdict: PolicyVerdict,
  target: TargetRef,
  approvalsConfigured: boolean,
): Promise<ClientView> {
  if (verdict.action === 'allow') return { outcome: ClientOutcome.runs };
  if (verdict.action === 'review' && approvalsConfigured) {
    const who = verdict.approvers !== undefined ? ` from ${verdict.approvers.join(' or ')}` : '';
    return {
      outcome: ClientOutcome.held,
      message: `the statement waits for approval${who}; a notice gives the client the approval id`,
    };
  }
  const decision: Decision = await pipeline.onStatement(event);
  if (decision.action !== 'deny') return { outcome: ClientOutcome.runs };
  return {
    outcome: ClientOutcome.error,
    sqlstate: target.engine === 'mysql' ? '42000' : '42501',
    message: `gatehouse: ${decision.reason} (rule ${decision.ruleId})`,
  };
}

function explainFacts(f: StatementFacts): ExplainedFacts {
  return {
    kind: f.kind,
    command: f.command,
    tablesRead: f.tablesRead.map(tableName),
    tablesWritten: f.tablesWritten.map(tableName),
    columns: f.columns.map((c) => ({
      table: c.table === null ? null : tableName(c.table),
      column: c.column,
      role: c.role,
    })),
    functions: [...f.functions],
    guardrails: f.guardrails.map((g) => ({ id: g.id, detail: g.detail })),
    fingerprint: f.fingerprint,
    ...(f.unknownReason !== undefined ? { unknownReason: f.unknownReason } : {}),
    ...(f.prepares !== undefined ? { prepares: f.prepares } : {}),
    ...(f.executes !== undefined ? { executes: f.executes } : {}),
    ...(f.deallocates !== undefined ? { deallocates: f.deallocates } : {}),
  };
}
