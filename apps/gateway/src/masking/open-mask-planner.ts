import { createPostgresDataFlowAnalyser, type MaskPlanner } from '@gatehouse/sql-core';
import type { GatewayServices } from '../runtime/engine-wiring';
import { ConfiguredMaskPlanner } from './configured-mask-planner';

/** The mask planner of this process, reading the live `masking:` section on every statement. */
export async function openMaskPlanner(
  services: GatewayServices,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MaskPlanner> {
  const dataFlow = await createPostgresDataFlowAnalyser();
  return new ConfiguredMaskPlanner({
    config: () => services.config().masking,
    env,
    dataFlow,
    logger: services.logger.child({ component: 'masking' }),
  });
}
