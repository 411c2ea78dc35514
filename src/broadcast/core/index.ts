export type { PeerSets } from './eager-lazy-sets.js';
export { EagerLazySets } from './eager-lazy-sets.js';
export type {
  CancelExchangeEffect,
  CancelTimerEffect,
  ExchangeStartEffect,
  ExchangeToken,
  GraftEffect,
  GraftToken,
  IsStaleEffect,
  IsStaleToken,
  LogEffect,
  MergeEffect,
  MergeToken,
  MetricEffect,
  MetricEvent,
  OutstandingEvictionReason,
  PlumtreeEffect,
  SendEffect,
  SetTimerEffect,
  TimerKey,
} from './effects.js';
export type { InvalidInitialSetsReason } from './errors.js';
export { InvalidConfigError, InvalidInitialSetsError, InvalidOptionError } from './errors.js';
export type {
  BroadcastDataFailedEvent,
  ExchangeEndedEvent,
  ExchangeOutcome,
  ExchangeResultEvent,
  GraftOutcome,
  GraftResultEvent,
  IsStaleFailedEvent,
  IsStaleResultEvent,
  LocalBroadcastEvent,
  MergeFailedEvent,
  MergeResultEvent,
  PeerDownEvent,
  PeerUpEvent,
  PlumtreeEvent,
  ReceiveEvent,
  StartEvent,
  TimerEvent,
  UpdateEvent,
} from './events.js';
export type { Exchange, ExchangeRef, ExchangeSelector } from './exchanges.js';
export { selectsExchange } from './exchanges.js';
export type { InitialSets } from './initial-sets.js';
export { initialSets, validateInitialSets } from './initial-sets.js';
export type { MessageKeyFn } from './message-key.js';
export { messageKey, UnsupportedMessageIdError } from './message-key.js';
export type {
  Announcement,
  BroadcastMessage,
  GraftMessage,
  HandlerName,
  IgnoredIHaveMessage,
  IHaveMessage,
  MessageId,
  NodeName,
  PruneMessage,
  WireMessage,
  WireMessageType,
} from './messages.js';
export type { AnnounceResult, Announcer, MissingMessage } from './missing-messages.js';
export { MissingMessages } from './missing-messages.js';
export type {
  ExchangeSelection,
  InitialSetsMode,
  JoinMode,
  NewRootSeed,
  PlumtreeOptions,
} from './options.js';
export { defaultPlumtreeOptions, referencePlumtreeOptions, resolveOptions } from './options.js';
export { Outstanding } from './outstanding.js';
export { step } from './plumtree.js';
export type { CancelExchangesResult, TreePeers } from './queries.js';
export {
  broadcastMembers,
  cancelExchanges,
  getEagerPeers,
  getLazyPeers,
  getPeers,
  isConnected,
  listExchanges,
  outstandingCount,
  outstandingFor,
} from './queries.js';
export type { Delivery } from './recent-deliveries.js';
export { RecentDeliveries } from './recent-deliveries.js';
export type { PendingExchange, PlumtreeConfig, PlumtreeState } from './state.js';
export { createPlumtreeState } from './state.js';
export type { TimerType } from './timers.js';
export { exchangeTickTimer, graftTimer, lazyTickTimer, timerId } from './timers.js';
