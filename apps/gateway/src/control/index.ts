export { buildControlApp, type ControlAppOptions, type ControlExtensions } from './control-app';
export type { ControlState } from './control-state';
export { authenticate, requireGroups } from './auth';
export { localSessionDirectory, type SessionDirectory } from './session-directory';
export { probeTcp, type ProbeResult } from './upstream-probe';
