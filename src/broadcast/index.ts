/** The Plumtree broadcast layer: the pure core, the gen_server shell and its API. */
export * from './api.js';
export type {
  ExchangeSelector,
  PlumtreeOptions,
  WireMessage,
} from './core/index.js';
/** The pure core, for simulators and tests that drive it directly. */
export * as core from './core/index.js';
export { defaultPlumtreeOptions, Outstanding, referencePlumtreeOptions } from './core/index.js';
export {
  type EffectHost,
  EffectInterpreter,
  type InterpreterLog,
  type InterpreterObserver,
  type PendingExchangeStart,
} from './effect-interpreter.js';
export type { BroadcastHandler, ExchangeAnswer, GraftAnswer } from './handler.js';
export {
  AsyncHandlerError,
  HandlerContractError,
  type HandlerFunction,
  UnknownHandlerError,
} from './handler-answers.js';
export {
  BroadcastMetricNames,
  BroadcastMetrics,
  DROP_REASON_VALUES,
  type DropReason,
  WIRE_MESSAGE_TYPES,
} from './metrics.js';
export {
  type BroadcastCall,
  type BroadcastCast,
  type BroadcastServerOptions,
  broadcastServerBehaviour,
  broadcastServerName,
  createOutstandingTable,
  type ExchangeInfo,
  type InfoOpt,
  type MembershipSource,
  type PeersReply,
  RemoteQueryError,
  spawnBroadcastServer,
} from './server.js';
export type { BroadcastTransport } from './transport.js';
export { MAX_IHAVE_ENTRIES, parseWireMessage, WireMessageError } from './wire-schema.js';
