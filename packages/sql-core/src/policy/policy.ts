import type { StatementFacts } from '../analysis/statement-facts';
import type { Identity } from '../identity/identity';
import type { TargetRef } from '../identity/target';

/** Everything a rule can match on for one statement. */
export interface PolicyInput {
  readonly identity: Identity;
  readonly target: TargetRef;
  readonly database: string;
  readonly facts: StatementFacts;
}

export const PolicyAction = { allow: 'allow', deny: 'deny', review: 'review' } as const;
export type PolicyAction = (typeof PolicyAction)[keyof typeof PolicyAction];

export interface PolicyVerdict {
  readonly action: PolicyAction;
  /** The matching rule, or `default-deny` when none matched. */
  readonly ruleId: string;
  /** One sentence for the client; never contains literal values from the statement. */
  readonly reason: string;
  /** Review only, when the rule names them: the groups whose members may approve. */
  readonly approvers?: readonly string[];
  /** Review only, when the rule says: how many distinct approvals are needed. */
  readonly required?: number;
  /** Review only, when the rule says: whether an approval also covers a retry of the same statement (see PolicyRule.grant). */
  readonly grant?: boolean;
}

/** Compiled, frozen rules. Pure and synchronous: no I/O on the statement path. */
export interface Policy {
  evaluate(input: PolicyInput): PolicyVerdict;
}
