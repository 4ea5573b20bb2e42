import type { StatementFacts } from '../analysis/statement-facts';
import type { GatewayErrorCode } from '../errors/gateway-error';
import type { MaskPlan } from '../masking/mask-plan';

/** The statement may run; results go through the mask plan when there is one. */
export interface AllowDecision {
  readonly action: 'allow';
  /** The rule that allowed it. */
  readonly ruleId: string;
  readonly statements: readonly StatementFacts[];
  readonly maskPlan: MaskPlan | null;
  /** Set when the statement runs because a review approved it (or a grant covered its retry). */
  readonly approvalId?: string;
}

/** The statement must not run. */
export interface DenyDecision {
  readonly action: 'deny';
  /** The rule that denied it, or a built-in id such as `default-deny` or `unknown-statement`. */
  readonly ruleId: string;
  /** One sentence for the client; never contains literal values. */
  readonly reason: string;
  readonly code: GatewayErrorCode;
  readonly statements: readonly StatementFacts[];
}

/** The statement waits for human approval. */
export interface ReviewDecision {
  readonly action: 'review';
  readonly ruleId: string;
  readonly reason: string;
  readonly approvalId: string;
  readonly statements: readonly StatementFacts[];
}

export type Decision = AllowDecision | DenyDecision | ReviewDecision;
export type DecisionAction = Decision['action'];
