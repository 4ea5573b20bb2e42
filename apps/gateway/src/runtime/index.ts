export { startGateway, type RunningGateway, type StartGatewayOptions, type ReloadResult } from './gateway';
export {
  startEngineListeners,
  type EngineListener,
  type GatewayServices,
  type StartEngineListeners,
} from './engine-wiring';
export { LiveTargetDirectory, LiveVerifier } from './live-services';
