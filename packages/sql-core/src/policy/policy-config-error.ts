/** One thing wrong with the configured rules, and what to write instead. */
export interface PolicyIssue {
  /** Where, as a config path: `policy.rules[2].when.kinds[0]`. */
  readonly path: string;
  /** The id of the rule it concerns, when the rule has a usable one. */
  readonly ruleId?: string;
  /** What is wrong and what to write instead. */
  readonly message: string;
  /**
   * The whole line, naming the rule by position and id so either finds it:
   * `policy.rules[2] (id "reads").when.kinds[0]: "select" is not a statement kind; ...`
   */
  readonly text: string;
}

/**
 * The rules could not be compiled. Carries every issue found, not just the
 * first, so one edit can fix them all; the caller keeps its previous policy.
 */
export class PolicyConfigError extends Error {
  override readonly name = 'PolicyConfigError';
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    const lines = issues.map((i) => i.text);
    super(
      `${issues.length} problem${issues.length === 1 ? '' : 's'} in the policy rules:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    );
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}

export function isPolicyConfigError(err: unknown): err is PolicyConfigError {
  return err instanceof PolicyConfigError;
}
