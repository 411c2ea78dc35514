/**
 * The replicated metadata store and its `metadata` broadcast handler.
 */

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
} from './errors.js';
export type {
  ExchangeLimits,
  ExchangeRequest,
  ExchangeResponse,
} from './exchange.js';
export {
  createMetadataHandler,
  METADATA_HANDLER_NAME,
  type MetadataHandlerOptions,
} from './handler.js';
export type { TreeShape } from './merkle-tree.js';
export {
  type BroadcastFn,
  type ChangeEvent,
  type ChangeListener,
  DEFAULT_FEED_CAPACITY,
  DEFAULT_MAX_KEY_LENGTH,
  DEFAULT_MAX_VALUE_BYTES,
  type ExchangeRpc,
  type ExchangeSummary,
  type FoldEntry,
  type GetOptions,
  type IterateOptions,
  type ListOptions,
  type ListPage,
  lwwResolver,
  type MetadataBroadcast,
  type MetadataExchange,
  type MetadataId,
  MetadataStore,
  type MetadataStoreOptions,
  type ReadResult,
  type Resolution,
  type Resolver,
  type Watch,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
} from './metadata-store.js';
export type { MetadataObject, Sibling, TombstoneSibling, ValueSibling } from './object.js';
export type { FullPrefix, MetadataKey } from './prefix.js';
export type { Dot, VersionVector } from './version-vector.js';
