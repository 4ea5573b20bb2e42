import type { Logger } from 'pino';
import { compilePolicy, createPostgresAnalyser, Pipeline, type CompiledPolicy } from '@gatehouse/sql-core';
import type { GatehouseConfig } from '../config';
import { policyRulesData } from '../config/policy-rules-data';
import type { PipelineParts } from './pipeline-parts';

/**
 * The pipeline every engine of this process shares: the PostgreSQL analyser
 * (its WASM loaded once) and the policy compiled from config, swapped whole
 * on reload.
 */
export async function createStatementPipeline(
  config: GatehouseConfig,
  logger: Logger,
  parts: Pick<PipelineParts, 'audit' | 'approvals' | 'masking'> | null,
): Promise<Pipeline> {
  const postgres = await createPostgresAnalyser();
  return new Pipeline({
    analysers: { postgres },
    policy: compileConfiguredPolicy(config),
    logger,
    audit: parts?.audit ?? null,
    approvals: parts?.approvals ?? null,
    masking: parts?.masking ?? null,
  });
}

/** Compiles config.policy; throws PolicyConfigError naming every problem. */
export function compileConfiguredPolicy(config: GatehouseConfig): CompiledPolicy {
  return compilePolicy(policyRulesData(config));
}
