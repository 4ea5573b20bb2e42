import type { OutputLineage } from '@gatehouse/sql-core';

/** How far explain got with the masking of a string's results. */
export const MaskingStatus = {
  /** The statements were described by the target and each result column's mask is listed. */
  evaluated: 'evaluated',
  /** The identity sees results as they are: an unmasked group, or a `masking:` section that masks nothing. */
  unmasked: 'unmasked',
  /** The string is denied (by policy, or a review nobody can approve): nothing runs, so nothing is masked. */
  notEvaluated: 'not-evaluated',
  /** Masking itself refuses the string (a side channel, strict mode): `ruleId` names the rule. */
  denied: 'denied',
  /**
   * The result columns could not be learnt (the target is unreachable, no upstream login
   * matches, a MySQL target): `reason` says why. Never read this as "nothing is masked".
   */
  unavailable: 'unavailable',
} as const;
export type MaskingStatus = (typeof MaskingStatus)[keyof typeof MaskingStatus];

/** What became of one statement's result. */
export const ResultStatus = {
  /** The target described its result columns; `columns` lists them. */
  evaluated: 'evaluated',
  /** The statement returns no rows (DDL, a write without RETURNING, SET...): nothing to mask. */
  noRows: 'no-rows',
  /** The target could not describe it (it does not parse there, a table is missing...): `reason` says why. */
  unavailable: 'unavailable',
} as const;
export type ResultStatus = (typeof ResultStatus)[keyof typeof ResultStatus];

/** A mask applied to a made-up value of the column's type: what the mask's format looks like. */
export interface MaskExample {
  readonly value: string;
  readonly masked: string;
}

/** One result column as a session would mask it. */
export interface ExplainedColumn {
  /** The name the client sees. */
  readonly name: string;
  /** The type as masking sees it: text, integer, date, json, inet, `array of text`, `row of schema.table`... */
  readonly type: string;
  readonly lineage: OutputLineage;
  /**
   * Where the values come from, in words: `public.users.email`, `computed from public.users.email`,
   * `whole rows of public.users`, or `not traced`.
   */
  readonly source: string;
  /** The source columns as `schema.table.column` (`?.column` when the table is unknown; `table.*` for whole rows). */
  readonly sources: readonly string[];
  /** Set when the column is a view's: the view, as `schema.view`. */
  readonly view?: string;
  /** True when a mask applies to the column (for `scan`, only the spans a detector validates are replaced). */
  readonly masked: boolean;
  /** The detector id (`email`, `us_ssn`...) or `scan`, `redact`, `last4`, `deterministic`, `row`; null when not masked. */
  readonly mask: string | null;
  /** Null when the mask has no short example (whole rows, a type without one). */
  readonly example: MaskExample | null;
  /** Why: the name token, the `masking.columns` rule, the lineage, the value scan; or why nothing applies. */
  readonly reason: string;
}

export interface ExplainedResult {
  /** The statement's index in `statements` (1, 2, ...). */
  readonly index: number;
  readonly status: ResultStatus;
  /** For `unavailable` and `no-rows`. */
  readonly reason?: string;
  readonly columns: readonly ExplainedColumn[];
}

/** Which result columns would be masked for this identity, and why. */
export interface ExplainedMasking {
  readonly status: MaskingStatus;
  /** One line: why the status is what it is. */
  readonly reason: string;
  /** For `denied`: the masking rule (`masking-side-channel`, `masking-strict`, ...). */
  readonly ruleId?: string;
  /** One entry per statement when `evaluated` (and when the target failed midway); empty otherwise. */
  readonly results: readonly ExplainedResult[];
}
