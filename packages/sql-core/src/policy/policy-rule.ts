import type { StatementKind } from '../analysis/statement-facts';
import type { PolicyAction } from './policy';

/**
 * The conditions of one rule after validation: every key present must hold
 * (AND); within a list, any element may (OR). Singular spellings from the
 * config (`environment: production`) are normalised to these plural lists.
 */
export interface RuleConditions {
  /** Identity subjects, exact. */
  readonly identities?: readonly string[];
  /** Holds when the identity is in at least one of these groups. */
  readonly groups?: readonly string[];
  /** Target names, exact. */
  readonly targets?: readonly string[];
  /** Target environment labels, exact. */
  readonly environments?: readonly string[];
  /** Upstream database names, exact. */
  readonly databases?: readonly string[];
  readonly kinds?: readonly StatementKind[];
  /** `schema.table` or `table` globs (`*` any run of characters, `?` one character). */
  readonly tables?: readonly string[];
  /** Guardrail ids, or `['*']` for any guardrail. */
  readonly guardrails?: readonly string[];
  /** `true`: the statement could not be analysed. `false`: it could. */
  readonly unknown?: boolean;
}

export const RULE_CONDITION_KEYS = [
  'identities',
  'groups',
  'targets',
  'environments',
  'databases',
  'kinds',
  'tables',
  'guardrails',
  'unknown',
] as const;
export type RuleConditionKey = (typeof RULE_CONDITION_KEYS)[number];

/** One validated, frozen rule, as plain data (what `explain` and `gatehouse check` show). */
export interface PolicyRule {
  /** Position in `policy.rules`, from 0. */
  readonly index: number;
  readonly id: string;
  readonly when: RuleConditions;
  readonly action: PolicyAction;
  /** Shown to the client instead of the generated reason. */
  readonly reason?: string;
  /** Review only: the groups whose members may approve (else the approvals config decides). */
  readonly approvers?: readonly string[];
  /** Review only: distinct approvals needed (else the approvals config decides). */
  readonly required?: number;
  /**
   * Review only: an approved request can be granted for re-execution, so the
   * same identity may run the same statement again within the approvals
   * grant window without a new review (CI pipelines that retry).
   */
  readonly grant?: boolean;
}

/** Rule ids the policy itself produces; a configured rule may not take them. */
export const BuiltinRuleId = {
  /** No rule matched. */
  defaultDeny: 'default-deny',
  /** The policy threw while evaluating (the pipeline's fail-closed path). */
  policyError: 'policy-error',
  /** The pipeline's answer to a string that holds no statement. */
  emptyStatement: 'empty-statement',
  /** Reserved for the pipeline's unanalysable-statement path. */
  unknownStatement: 'unknown-statement',
} as const;
export type BuiltinRuleId = (typeof BuiltinRuleId)[keyof typeof BuiltinRuleId];
