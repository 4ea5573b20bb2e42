export {
  ConfiguredMaskPlanner,
  buildPlan,
  normalizedText,
  type MaskPlannerDeps,
} from './configured-mask-planner';
export { openMaskPlanner } from './open-mask-planner';
