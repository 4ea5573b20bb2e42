import type { StatementFacts } from '../analysis/statement-facts';
import type { MaskPlan } from '../masking/mask-plan';
import type { StatementEvent } from './statement-event';

/**
 * Decides how the results of an allowed statement are masked for this
 * identity: null when nothing needs masking (e.g. an unmasked group).
 */
export interface MaskPlanner {
  plan(event: StatementEvent, statements: readonly StatementFacts[]): MaskPlan | null;
}
