export { type HeartbeatBackendArgs, heartbeatBackendBehaviour } from './heartbeat-backend.js';
export {
  createHeartbeatHandler,
  HEARTBEAT_HANDLER,
  type Heartbeat,
  type HeartbeatHandler,
} from './heartbeat-handler.js';
export { IntervalSet } from './interval-set.js';
