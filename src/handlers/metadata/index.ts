/**
 * The replicated metadata store and its `metadata` broadcast handler.
 */

export type { MetadataBroadcast, MetadataId } from './broadcast-messages.js';
export type { WatchScope } from './change-feed.js';
export {
  ExchangeFailedError,
  InvalidKeyError,
  InvalidMetadataOptionError,
  InvalidPrefixError,
  KeyTooLongError,
  LogFormatError,
  MalformedDataError,
  StaleContextError,
  StoreClosedError,
  ValueTooLargeError,
  WriteQuorumError,
} from './errors.js';
export type {
  ExchangeLimits,
  ExchangeRequest,
  ExchangeResponse,
} from './exchange.js';
export type { ExchangeRpc, ExchangeSummary, MetadataExchange } from './exchange-driver.js';
export {
  createMetadataHandler,
  METADATA_HANDLER_NAME,
  type MetadataHandlerOptions,
} from './handler.js';
export type { TreeShape } from './merkle-tree.js';
export {
  type BroadcastFn,
  DEFAULT_FEED_CAPACITY,
  DEFAULT_MAX_KEY_LENGTH,
  DEFAULT_MAX_VALUE_BYTES,
  type FoldEntry,
  type GetOptions,
  type IterateOptions,
  type ListOptions,
  type ListPage,
  MetadataStore,
  type MetadataStoreOptions,
  type ReadResult,
  type WriteOptions,
  type WriteResult,
} from './metadata-api.js';
export type { MetadataObject, Sibling, TombstoneSibling, ValueSibling } from './object.js';
export type { FullPrefix, MetadataKey } from './prefix.js';
export { lwwResolver, type Resolution, type Resolver } from './resolver.js';
export type {
  ChangeEvent,
  ChangeListener,
  Watch,
  WatchEvent,
  WatchOptions,
} from './subscribers.js';
export type { Dot, VersionVector } from './version-vector.js';
export {
  DEFAULT_WRITE_QUORUM,
  DEFAULT_WRITE_TIMEOUT_MS,
  type QuorumFailure,
  type QuorumOutcome,
  type WriteQuorum,
} from './write-quorum.js';
