import pino from 'pino';
import {
  createPostgresAnalyser,
  createPostgresDataFlowAnalyser,
  Pipeline,
  tableName,
  type CompiledPolicy,
  type ColumnUse,
  type Decision,
  type GuardrailFinding,
  type Identity,
  type MaskDenial,
  type MaskPlan,
  type PolicyVerdict,
  type RuleTrace,
  type SessionContext,
  type StatementAnalyser,
  type StatementEvent,
  type StatementFacts,
  type StatementKind,
  type TargetDirectory,
  type TargetRef,
} from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';
import { ConfiguredMaskPlanner } from '../masking';
import { compileConfiguredPolicy } from '../runtime/statement-pipeline';
import { ConfiguredTargetDirectory } from '../targets';
import { explainMasking } from './masking-explainer';
import type { ExplainedMasking } from './masking-report';

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
  /** Which result columns would be masked for this identity, how and why. */
  readonly masking: ExplainedMasking;
}

export interface ExplainerOptions {
  /** Where `password_env` (upstream logins) and `masking.key_env` are read; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
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
  readonly masking: ConfiguredMaskPlanner;
  /** Built when first dialled (it reads upstream CA files). */
  targets: TargetDirectory | null;
}

/**
 * Explains statements against a config: the real analyser, the policy
 * compiled exactly as the engines compile it, the pipeline's own decision
 * (strictest statement wins) and the mask planner the gateway builds from
 * `masking:`. Nothing is recorded or held: the pipeline here has no audit
 * trail and no approval gate. To say which result columns would be masked,
 * statements that would run are described (never executed) by the target.
 */
export class Explainer {
  readonly #analyser: StatementAnalyser;
  readonly #dataFlow: Awaited<ReturnType<typeof createPostgresDataFlowAnalyser>>;
  readonly #env: NodeJS.ProcessEnv;
  /** One compiled policy per config object: a reload brings a new object, so a new policy. */
  readonly #compiled = new WeakMap<GatehouseConfig, Compiled>();

  private constructor(
    analyser: StatementAnalyser,
    dataFlow: Awaited<ReturnType<typeof createPostgresDataFlowAnalyser>>,
    env: NodeJS.ProcessEnv,
  ) {
    this.#analyser = analyser;
    this.#dataFlow = dataFlow;
    this.#env = env;
  }

  /** Loads the PostgreSQL parser (WASM) once. */
  static async create(options: ExplainerOptions = {}): Promise<Explainer> {
    const analyser = await createPostgresAnalyser();
    return new Explainer(analyser, await createPostgresDataFlowAnalyser(), options.env ?? process.env);
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
    const compiled = this.#compile(config);
    const { policy, pipeline } = compiled;
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
    const { client, deniedBy } = await clientView(
      pipeline,
      event,
      decision,
      target,
      config.approvals !== null,
    );
    const masking = await explainMasking({
      config,
      targets: () => (compiled.targets ??= new ConfiguredTargetDirectory(config.targets, { env: this.#env })),
      identity,
      target,
      database,
      sql: request.sql,
      statementCount: statements.length,
      deniedBy,
      planned:
        verdict === null || verdict.action === 'deny' ? undefined : plan(compiled.masking, event, statements),
    });
    return {
      identity: { subject: identity.subject, groups: identity.groups },
      target,
      database,
      decision,
      client,
      statements: explained,
      masking,
    };
  }

  #compile(config: GatehouseConfig): Compiled {
    let compiled = this.#compiled.get(config);
    if (compiled === undefined) {
      const policy = compileConfiguredPolicy(config);
      const masking = new ConfiguredMaskPlanner({
        config: () => config.masking,
        env: this.#env,
        dataFlow: this.#dataFlow,
        logger: SILENT,
      });
      const pipeline = new Pipeline({
        analysers: { postgres: this.#analyser },
        policy,
        logger: SILENT,
        masking,
      });
      compiled = { policy, pipeline, masking, targets: null };
      this.#compiled.set(config, compiled);
    }
    return compiled;
  }
}

/** The planner's answer, as the pipeline takes it: a planner that throws denies. */
function plan(
  planner: ConfiguredMaskPlanner,
  event: StatementEvent,
  statements: readonly StatementFacts[],
): MaskPlan | MaskDenial | null {
  try {
    return planner.plan(event, statements);
  } catch {
    return { deny: 'the masking of its results could not be planned', ruleId: 'masking-error' };
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
 * What the client gets, as the pipeline (with the mask planner, nothing to
 * record and no gate) decides it: a masking refusal (a side channel, strict
 * mode) comes before any wait; without approvals a review becomes a denial
 * whose wording the pipeline owns.
 */
async function clientView(
  pipeline: Pipeline,
  event: StatementEvent,
  verdict: PolicyVerdict,
  target: TargetRef,
  approvalsConfigured: boolean,
): Promise<{ client: ClientView; deniedBy: string | null }> {
  const runs = { client: { outcome: ClientOutcome.runs }, deniedBy: null };
  if (verdict === EMPTY_VERDICT) return runs;
  const decision: Decision = await pipeline.onStatement(event);
  if (decision.action === 'allow') return runs;
  if (verdict.action === 'review' && approvalsConfigured && decision.ruleId === verdict.ruleId) {
    const who = verdict.approvers !== undefined ? ` from ${verdict.approvers.join(' or ')}` : '';
    const message = `the statement waits for approval${who}; a notice gives the client the approval id`;
    return { client: { outcome: ClientOutcome.held, message }, deniedBy: null };
  }
  if (decision.action !== 'deny') return runs;
  const client: ClientView = {
    outcome: ClientOutcome.error,
    sqlstate: target.engine === 'mysql' ? '42000' : '42501',
    message: `gatehouse: ${decision.reason} (rule ${decision.ruleId})`,
  };
  return { client, deniedBy: decision.ruleId };
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
