export { ConfiguredMaskPlanner, buildPlan, type MaskPlannerDeps } from './configured-mask-planner';
export { openMaskPlanner } from './open-mask-planner';
