/** OTP supervisors on the actor runtime. */
export {
  countChildren,
  deleteChild,
  restartChild,
  spawnSupervisor,
  startChild,
  startSupervisor,
  terminateChild,
  whichChildren,
} from './api.js';
export {
  type ChildSpec,
  InvalidChildSpecError,
  type RestartType,
  type Shutdown,
  type Strategy,
  type SupervisorSpec,
} from './child-spec.js';
export {
  ChildAlreadyPresentError,
  ChildAlreadyStartedError,
  ChildNotFoundError,
  ChildRunningError,
  ChildStartError,
  SupervisorUsageError,
} from './errors.js';
export { RestartIntensity } from './restart-intensity.js';
export type { ChildCounts, ChildInfo } from './supervisor.js';
