import type { StatementFacts } from '../analysis/statement-facts';
import type { MaskPlan } from '../masking/mask-plan';
import type { StatementEvent } from './statement-event';

/**
 * A statement masking refuses for this identity (a side channel, or an
 * oracle in strict mode): the pipeline denies it under `ruleId`.
 */
export interface MaskDenial {
  readonly deny: string;
  readonly ruleId: string;
}

/**
 * Decides how the results of an allowed statement are masked for this
 * identity: null when nothing needs masking (e.g. an unmasked group), a
 * MaskDenial when the statement must not run for it at all.
 */
export interface MaskPlanner {
  plan(event: StatementEvent, statements: readonly StatementFacts[]): MaskPlan | MaskDenial | null;
}
