import type { Logger } from 'pino';
import {
  checkDataFlow,
  createMaskPlan,
  type ColumnMaskRule,
  type ColumnRuleMask,
  type MaskDenial,
  type MaskPlan,
  type MaskPlanner,
  type PostgresDataFlowAnalyser,
  type StatementEvent,
  type StatementFacts,
} from '@gatehouse/sql-core';
import type { MaskingConfig } from '../config';

export interface MaskPlannerDeps {
  /** The live masking section: a reload swaps it whole, and the next statement sees it. */
  readonly config: () => MaskingConfig;
  /** Where `masking.key_env` is read from. */
  readonly env: NodeJS.ProcessEnv;
  readonly dataFlow: PostgresDataFlowAnalyser;
  readonly logger: Logger;
}

/**
 * The mask planner built from `masking:` config: nothing for unmasked
 * groups; for everyone else the configured plan, with the lineage and data
 * flow of the statement, and a denial when the statement would carry masked
 * values out through a side channel (or, for strict groups, an oracle).
 */
export class ConfiguredMaskPlanner implements MaskPlanner {
  readonly #deps: MaskPlannerDeps;
  /** One plan per config object (a reload brings a new object). */
  readonly #plans = new WeakMap<MaskingConfig, MaskPlan | null>();

  constructor(deps: MaskPlannerDeps) {
    this.#deps = deps;
  }

  plan(event: StatementEvent, statements: readonly StatementFacts[]): MaskPlan | MaskDenial | null {
    const config = this.#deps.config();
    const groups = event.session.identity.groups;
    if (groups.some((g) => config.unmasked_groups.includes(g))) return null;
    const base = this.#basePlan(config);
    if (base === null) return null;
    if (event.session.target.engine !== 'postgres') return base;
    const flows = this.#deps.dataFlow.analyse(event.sql, normalizedText(statements));
    if (flows.length === 0) return base;
    const strict = groups.some((g) => config.strict_groups.includes(g));
    for (const flow of flows) {
      const denial = checkDataFlow(base, flow, strict);
      if (denial !== null) return { deny: denial.reason, ruleId: denial.ruleId };
    }
    return { ...base, statements: flows };
  }

  #basePlan(config: MaskingConfig): MaskPlan | null {
    if (this.#plans.has(config)) return this.#plans.get(config) ?? null;
    const plan = buildPlan(config, this.#deps.env, this.#deps.logger);
    this.#plans.set(config, plan);
    return plan;
  }
}

/** The configured plan, or null when nothing is ever masked (auto off and no rules). */
export function buildPlan(config: MaskingConfig, env: NodeJS.ProcessEnv, logger: Logger): MaskPlan | null {
  const rules: ColumnMaskRule[] = config.columns.map((c) => ({
    table: c.table,
    column: c.column,
    mask: c.mask as ColumnRuleMask,
  }));
  if (!config.auto && rules.every((r) => r.mask === 'never')) return null;
  let key: string | null = null;
  if (config.key_env !== null) {
    const value = env[config.key_env];
    if (value === undefined || value.length < 16) {
      // Fail closed: without a usable key the regular (non-deterministic) masks apply.
      logger.error(
        { key_env: config.key_env },
        'masking.key_env names an environment variable that is missing or shorter than 16 characters; deterministic masks fall back to regular masks',
      );
    } else {
      key = value;
    }
  }
  return createMaskPlan({
    rules,
    valueScan: config.value_scan,
    auto: config.auto,
    options: { key, deterministic: config.deterministic && key !== null },
  });
}

/**
 * The client string with its constants replaced by placeholders, for the data-flow cache: texts
 * that differ only in constants share one trace. Undefined when a statement's text was withheld.
 */
export function normalizedText(statements: readonly StatementFacts[]): string | undefined {
  if (statements.length === 0) return undefined;
  const parts: string[] = [];
  for (const s of statements) {
    if (s.normalized === '' || s.normalized.includes('statement text withheld')) return undefined;
    parts.push(`${s.fingerprint}\u0001${s.normalized}`);
  }
  return parts.join('\u0002');
}
