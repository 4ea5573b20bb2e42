import type { Logger } from 'pino';
import type { Dialect, StatementAnalyser, StatementFacts } from '../analysis/statement-facts';
import { GatewayErrorCode } from '../errors/gateway-error';
import type { Policy, PolicyVerdict } from '../policy/policy';
import type { Decision } from './decision';
import type { StatementEvent, StatementOutcome } from './statement-event';

export interface PipelineDeps {
  readonly analysers: Partial<Record<Dialect, StatementAnalyser>>;
  readonly policy: Policy;
  readonly logger: Logger;
}

/** Strictness order: the strictest verdict of a multi-statement string wins. */
const STRICTNESS = { allow: 0, review: 1, deny: 2 } as const;

/**
 * The one path every statement takes, whichever engine received it:
 * analyse -> decide -> (hold for approval) -> audit. Engines never decide.
 */
export class Pipeline {
  #deps: PipelineDeps;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  /** Swap the policy whole (reload); statements already decided are unaffected. */
  setPolicy(policy: Policy): void {
    this.#deps = { ...this.#deps, policy };
  }

  onStatement(event: StatementEvent): Decision | Promise<Decision> {
    const dialect: Dialect = event.session.target.engine;
    const analyser = this.#deps.analysers[dialect];
    const statements: readonly StatementFacts[] = analyser
      ? analyser.analyse(event.sql).statements
      : [unanalysable(`no analyser for ${dialect}`)];

    let verdict: PolicyVerdict | null = null;
    for (const facts of statements) {
      const v = this.#evaluate(event, facts);
      if (verdict === null || STRICTNESS[v.action] > STRICTNESS[verdict.action]) verdict = v;
    }
    // An empty string (only comments or whitespace) carries no statement: the server answers it itself.
    if (verdict === null) return { action: 'allow', ruleId: 'empty-statement', statements, maskPlan: null };

    const log = event.session.logger;
    if (verdict.action === 'allow') {
      log.debug({ rule: verdict.ruleId, kinds: statements.map((s) => s.kind) }, 'statement allowed');
      return { action: 'allow', ruleId: verdict.ruleId, statements, maskPlan: null };
    }
    log.info({ rule: verdict.ruleId, action: verdict.action }, 'statement not allowed');
    if (verdict.action === 'review') {
      // Approvals are not wired yet: a statement that needs review fails closed.
      return {
        action: 'deny',
        ruleId: verdict.ruleId,
        reason: `approval required (${verdict.reason}) but approvals are not configured`,
        code: GatewayErrorCode.approvalDenied,
        statements,
      };
    }
    const unknown = statements.find((s) => s.kind === 'unknown');
    return {
      action: 'deny',
      ruleId: verdict.ruleId,
      reason: verdict.reason,
      code: unknown ? GatewayErrorCode.analysisFailed : GatewayErrorCode.policyDenied,
      statements,
    };
  }

  /** Called by the engine once the upstream has answered an allowed statement. */
  onStatementEnd(event: StatementEvent, outcome: StatementOutcome): void {
    event.session.logger.debug({ rows: outcome.rows, error: outcome.errorCode, ms: outcome.durationMs }, 'statement done');
  }

  #evaluate(event: StatementEvent, facts: StatementFacts): PolicyVerdict {
    try {
      return this.#deps.policy.evaluate({
        identity: event.session.identity,
        target: event.session.target,
        database: event.session.database,
        facts,
      });
    } catch (err) {
      // Fail closed: a policy that throws denies.
      event.session.logger.error({ err }, 'policy evaluation failed');
      return { action: 'deny', ruleId: 'policy-error', reason: 'the policy could not be evaluated' };
    }
  }
}

function unanalysable(reason: string): StatementFacts {
  return {
    kind: 'unknown',
    command: 'UNKNOWN',
    tablesRead: [],
    tablesWritten: [],
    columns: [],
    functions: [],
    guardrails: [],
    fingerprint: '',
    normalized: '',
    unknownReason: reason,
  };
}
