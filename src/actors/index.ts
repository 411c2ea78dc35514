/**
 * The actor runtime: gen_server semantics on nact. Processes are nact actors; the
 * runtime adds typed callbacks, calls with timeouts, a name registry, monitors,
 * timers owned by their process, and OTP-style exits.
 */
export { call, cast, deadLetterCount, type From, reply, send } from './call.js';
export {
  AlreadyRegisteredError,
  CallExitError,
  CallTimeoutError,
  NoProcError,
  UndefinedCallbackError,
} from './errors.js';
export { type ExitReason, formatReason, isNormalExit } from './exit-reason.js';
export {
  type CallResult,
  type GenServer,
  isAlive,
  kill,
  type ServerContext,
  type SpawnOptions,
  spawnServer,
  startServer,
  stopServer,
  whenExited,
  whenStarted,
} from './gen-server.js';
export { type DownMessage, demonitor, type MonitorRef, monitor, onExit } from './monitors.js';
export { type ActorRef, dispatch, query, type SystemRef, start } from './nact.js';
export { register, registered, unregister, whereis } from './registry.js';
export { stop } from './stop.js';
export { isProcessRef, type Target } from './target.js';
export { cancelTimer, sendAfter, type TimerRef } from './timers.js';
