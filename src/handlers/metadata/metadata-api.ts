/**
 * The replicated metadata store's public API (put, get, delete, list, watch), the
 * answers the broadcast handler gives (merge, isStale, graft), and the wiring of its
 * parts: the in-memory replica, the log (replayed at open by log-replay), the exchange
 * driver, and the subscribers. The pure parts live next door.
 */
import { randomBytes } from 'node:crypto';
import type { MetadataBroadcast, MetadataId } from './broadcast-messages.js';
import { ChangeFeed, type WatchScope } from './change-feed.js';
import { encode } from './codec.js';
import {
  InvalidMetadataOptionError,
  KeyTooLongError,
  MalformedDataError,
  StaleContextError,
  StoreClosedError,
  ValueTooLargeError,
  WriteQuorumError,
} from './errors.js';
import {
  answer,
  DEFAULT_EXCHANGE_LIMITS,
  type ExchangeEffect,
  type ExchangeLimits,
  type ExchangeRequest,
  type ExchangeResponse,
} from './exchange.js';
import { type ExchangeRpc, type MetadataExchange, runExchange } from './exchange-driver.js';
import { replayLog } from './log-replay.js';
import { checkShape, DEFAULT_TREE_SHAPE, type TreeShape } from './merkle-tree.js';
import { type LogRecord, MetadataLog } from './metadata-log.js';
import { applyWrite, liveValues, type MetadataObject, type Sibling, type Write } from './object.js';
import { checkPlainValue } from './plain-value.js';
import { checkKey, checkPrefix, type FullPrefix, type MetadataKey } from './prefix.js';
import { ReplicaStore } from './replica.js';
import { type Resolver, resolverOf } from './resolver.js';
import {
  type ChangeListener,
  Subscribers,
  type Watch,
  type WatchEvent,
  type WatchOptions,
} from './subscribers.js';
import { type Dot, descends, isVersionVector, type VersionVector } from './version-vector.js';
import {
  awaitQuorum,
  checkWriteQuorum,
  DEFAULT_WRITE_QUORUM,
  DEFAULT_WRITE_TIMEOUT_MS,
  type QuorumOutcome,
  replicasNeeded,
  type WriteQuorum,
} from './write-quorum.js';

/** Called after every local write is durable; the node wires it to the broadcast server's cast. */
export type BroadcastFn = (message: MetadataBroadcast) => void;

/** Options of {@link MetadataStore.get}. */
export interface GetOptions {
  /** How to turn siblings into one value: `'lww'` (default) or a function. */
  readonly resolver?: 'lww' | Resolver;
  /** When there are several siblings, write the resolution back so they collapse everywhere. */
  readonly writeBack?: boolean;
  /** Returned for a missing or deleted key (default undefined). */
  readonly default?: unknown;
}

/** Options of {@link MetadataStore.put} and {@link MetadataStore.delete}. */
export interface WriteOptions {
  /**
   * The clock read before writing (from {@link MetadataStore.read}); the write replaces
   * exactly what that read saw. Without it, the write replaces everything held here.
   */
  readonly context?: VersionVector;
  /**
   * Write only if `context` covers everything held here (nobody wrote the key since the
   * context was read, as far as this replica knows); otherwise throw
   * {@link StaleContextError} with the current siblings and write nothing. A context of
   * `[]` means "only if the key does not exist". Without a context, always writes.
   */
  readonly compareAndSet?: boolean;
  /**
   * Replicas (this node included) that must hold the write durably before it resolves:
   * a number, or `'auto'` = `min(2, 1 + reachable peers)`. Default: the store's
   * `writeQuorum`. When it cannot be met the write rejects with
   * {@link WriteQuorumError} (the write stays here and spreads later).
   */
  readonly w?: WriteQuorum;
}

/** What a write returns once durable, broadcast, and held by its quorum. */
export interface WriteResult {
  /** The key's clock after the write: a context for the next one. */
  readonly context: VersionVector;
  /** The write's own dot. */
  readonly dot: Dot;
  /** The nodes known to hold the write when it resolved, this node first. */
  readonly replicas: readonly string[];
}

/** A key's state as {@link MetadataStore.read} shows it. */
export interface ReadResult {
  readonly siblings: readonly Sibling[];
  readonly values: readonly unknown[];
  readonly deleted: boolean;
  readonly context: VersionVector;
}

/** One key as {@link MetadataStore.iterate} and {@link MetadataStore.fold} show it. */
export interface FoldEntry {
  readonly key: MetadataKey;
  /** The resolved value, undefined when deleted. */
  readonly value: unknown;
  readonly deleted: boolean;
  readonly siblings: readonly Sibling[];
}

/** Options of {@link MetadataStore.iterate} and {@link MetadataStore.fold}. */
export interface IterateOptions {
  readonly resolver?: 'lww' | Resolver;
  /** Also visit deleted keys (default false). */
  readonly includeDeleted?: boolean;
}

/** Options of {@link MetadataStore.list}. */
export interface ListOptions {
  /** Start after this key (the `next` of the previous page). */
  readonly after?: MetadataKey;
  /** Keys per page (default 100). */
  readonly limit?: number;
  readonly resolver?: 'lww' | Resolver;
}

/** One page of {@link MetadataStore.list}. */
export interface ListPage {
  readonly entries: readonly (FoldEntry & { readonly context: VersionVector })[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: MetadataKey;
}

/** Default limits; see docs/metadata.md. */
export const DEFAULT_MAX_KEY_LENGTH = 1024;
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;
export const DEFAULT_FEED_CAPACITY = 2048;

/** Options of {@link MetadataStore.open}. */
export interface MetadataStoreOptions {
  /** This node's id; peers name it so in exchanges and membership. */
  readonly node: string;
  readonly broadcast: BroadcastFn;
  readonly rpc: ExchangeRpc;
  /** Wall clock in ms, for LWW timestamps and tombstone ages (default `Date.now`). */
  readonly now?: () => number;
  /** Where the log lives; without it the store is memory only. */
  readonly dataDir?: string;
  /** Sync the log before acknowledging writes (default true). */
  readonly fsync?: boolean;
  /** Compaction threshold of the log (default 4 MiB). */
  readonly compactMinBytes?: number;
  /**
   * The current members (this node included). Tombstones are collected only once
   * every member is known to hold them; without this, tombstones are kept forever.
   */
  readonly members?: () => readonly string[];
  /** A tombstone must also be this old before it is collected (default one hour). */
  readonly tombstoneGraceMs?: number;
  /**
   * How long the clock of a collected tombstone is remembered, refusing stale copies
   * still held by peers that have not collected it yet (default one day).
   */
  readonly forgetRetentionMs?: number;
  /**
   * The actor id in clocks. Defaults to `node` with a data directory (counters survive
   * restarts), and to `node` plus the start time without one, so that a memory-only
   * node that restarts can never reuse a dot it handed out before.
   */
  readonly actor?: string;
  /** Hash tree shape; must be the same on every node. */
  readonly tree?: TreeShape;
  readonly exchangeLimits?: Partial<ExchangeLimits>;
  /** Timeout of one exchange request (default 10 s). */
  readonly exchangeTimeoutMs?: number;
  /** Longest key accepted by `put` and `delete`, in characters (default 1024). */
  readonly maxKeyLength?: number;
  /** Largest value accepted by `put`, msgpack-encoded bytes (default 64 KiB). */
  readonly maxValueBytes?: number;
  /** Changes kept for watches to resume from (default 2048). */
  readonly feedCapacity?: number;
  /** Receives errors that have no caller to go to (a throwing subscriber, a failed exchange). */
  readonly onError?: (error: unknown) => void;
  /**
   * The peers a write can be pushed to now, this node excluded: the node wires it to
   * the members it has a live channel to. Without it no peer is reachable, so `'auto'`
   * writes are acknowledged by this node alone.
   */
  readonly reachablePeers?: () => readonly string[];
  /**
   * Replicas, this node included, that hold a write before it is acknowledged
   * (default `'auto'` = `min(2, 1 + reachable peers)`); see {@link WriteOptions.w}.
   */
  readonly writeQuorum?: WriteQuorum;
  /** How long a write waits for its quorum before it rejects (default 5000 ms). */
  readonly writeTimeoutMs?: number;
  /** Told how every write's wait for its quorum ended (the node counts them). */
  readonly onWriteQuorum?: (outcome: QuorumOutcome) => void;
}

const DEFAULT_GRACE_MS = 60 * 60 * 1000;
const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;

function actorOf(options: MetadataStoreOptions, now: () => number): string {
  if (options.actor !== undefined) return options.actor;
  if (options.dataDir !== undefined) return options.node;
  // Time alone could repeat (a clock set back, two starts in one millisecond); the
  // random part makes a memory-only incarnation's actor unique in practice.
  return `${options.node}#${now().toString(36)}.${randomBytes(4).toString('hex')}`;
}

function positiveInt(option: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new InvalidMetadataOptionError(option, v, 'an integer >= 1');
  }
  return v;
}

function nonNegative(option: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0)
    throw new InvalidMetadataOptionError(option, v, 'a number >= 0');
  return v;
}

/** The replicated key-value store behind the `metadata` broadcast handler. */
export class MetadataStore {
  /** This node's id. */
  readonly node: string;
  /** The actor this node writes dots as. */
  readonly actor: string;
  private readonly replica: ReplicaStore;
  private readonly log: MetadataLog | undefined;
  private readonly now: () => number;
  private readonly broadcastFn: BroadcastFn;
  private readonly rpc: ExchangeRpc;
  private readonly members: (() => readonly string[]) | undefined;
  private readonly graceMs: number;
  private readonly limits: ExchangeLimits;
  private readonly timeoutMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly subscribers: Subscribers;
  private readonly maxKeyLength: number;
  private readonly maxValueBytes: number;
  private readonly running = new Set<MetadataExchange>();
  private readonly retentionMs: number;
  private readonly reachablePeers: () => readonly string[];
  private readonly writeQuorum: WriteQuorum;
  private readonly writeTimeoutMs: number;
  private readonly onWriteQuorum: (outcome: QuorumOutcome) => void;
  /** Rotates the first peer a write is pushed to, spreading the extra load. */
  private pushCursor = 0;
  /** The highest counter this actor has used on any key: every new dot is above it. */
  private counterFloor = 0;
  private closed = false;
  /** Set when the log failed: the store refuses everything from then on. */
  private failure: unknown;

  private constructor(
    options: MetadataStoreOptions,
    replica: ReplicaStore,
    log: MetadataLog | undefined,
    now: () => number,
  ) {
    this.node = options.node;
    this.now = now;
    this.actor = actorOf(options, now);
    this.replica = replica;
    this.log = log;
    this.broadcastFn = options.broadcast;
    this.rpc = options.rpc;
    this.members = options.members;
    this.graceMs = nonNegative('tombstoneGraceMs', options.tombstoneGraceMs, DEFAULT_GRACE_MS);
    this.retentionMs = nonNegative(
      'forgetRetentionMs',
      options.forgetRetentionMs,
      DEFAULT_RETENTION_MS,
    );
    this.timeoutMs = nonNegative('exchangeTimeoutMs', options.exchangeTimeoutMs, 10_000);
    this.limits = { ...DEFAULT_EXCHANGE_LIMITS, ...options.exchangeLimits };
    for (const [name, v] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(v) || v < 1)
        throw new InvalidMetadataOptionError(name, v, 'an integer >= 1');
    }
    this.onError = options.onError ?? (() => undefined);
    this.reachablePeers = options.reachablePeers ?? (() => []);
    this.writeQuorum = checkWriteQuorum('writeQuorum', options.writeQuorum ?? DEFAULT_WRITE_QUORUM);
    this.writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
    if (!Number.isFinite(this.writeTimeoutMs) || this.writeTimeoutMs <= 0) {
      throw new InvalidMetadataOptionError('writeTimeoutMs', this.writeTimeoutMs, 'a number > 0');
    }
    this.onWriteQuorum = options.onWriteQuorum ?? (() => undefined);
    this.maxKeyLength = positiveInt('maxKeyLength', options.maxKeyLength, DEFAULT_MAX_KEY_LENGTH);
    this.maxValueBytes = positiveInt(
      'maxValueBytes',
      options.maxValueBytes,
      DEFAULT_MAX_VALUE_BYTES,
    );
    const capacity = positiveInt('feedCapacity', options.feedCapacity, DEFAULT_FEED_CAPACITY);
    // A new epoch per open: the ring is not persisted, so tokens of an earlier run
    // cannot be resumed and must say so.
    this.subscribers = new Subscribers(
      new ChangeFeed(`${now().toString(36)}${randomBytes(3).toString('hex')}`, capacity),
      this.onError,
    );
  }

  /**
   * Opens a store; with a data directory, reloads every write acknowledged before the
   * last stop (a torn final record, never acknowledged, is dropped).
   */
  static async open(options: MetadataStoreOptions): Promise<MetadataStore> {
    if (typeof options.node !== 'string' || options.node.length === 0) {
      throw new InvalidMetadataOptionError('node', options.node, 'a non-empty string');
    }
    const shape = options.tree ?? DEFAULT_TREE_SHAPE;
    checkShape(shape);
    const now = options.now ?? Date.now;
    const replica = new ReplicaStore(shape);
    let log: MetadataLog | undefined;
    let floor = 0;
    if (options.dataDir !== undefined) {
      const loaded = await MetadataLog.open({
        dir: options.dataDir,
        ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
        ...(options.compactMinBytes !== undefined
          ? { compactMinBytes: options.compactMinBytes }
          : {}),
      });
      log = loaded.log;
      floor = replayLog(loaded.records, replica, actorOf(options, now), now());
    }
    const store = new MetadataStore(options, replica, log, now);
    store.counterFloor = floor;
    log?.setSnapshotSource(() => store.snapshot());
    return store;
  }

  // ---- public API -------------------------------------------------------------------

  /**
   * Writes a value; resolves once it is durable (with a data dir), broadcast, and held
   * by its write quorum (`options.w`, default the store's `writeQuorum`). Bad input
   * (prefix, key, value, context, w) rejects and writes nothing; a quorum that cannot
   * be met rejects with {@link WriteQuorumError} after writing here.
   */
  async put(
    prefix: FullPrefix,
    key: MetadataKey,
    value: unknown,
    options?: WriteOptions,
  ): Promise<WriteResult> {
    checkPrefix(prefix);
    this.checkKeyLength(key);
    checkPlainValue(value);
    const bytes = encode(value).byteLength;
    if (bytes > this.maxValueBytes) throw new ValueTooLargeError(bytes, this.maxValueBytes);
    return this.write(prefix, key, { kind: 'value', value }, options);
  }

  /** Deletes a key by writing a tombstone (collected later, see docs/metadata.md). */
  async delete(prefix: FullPrefix, key: MetadataKey, options?: WriteOptions): Promise<WriteResult> {
    checkPrefix(prefix);
    this.checkKeyLength(key);
    return this.write(prefix, key, { kind: 'tombstone' }, options);
  }

  /** Every sibling of a key and the clock to write against, or undefined if unknown here. */
  read(prefix: FullPrefix, key: MetadataKey): ReadResult | undefined {
    checkPrefix(prefix);
    checkKey(key);
    const entry = this.replica.get(prefix, key);
    if (entry === undefined) return undefined;
    const object = entry.object;
    return {
      siblings: object.siblings,
      values: liveValues(object),
      deleted: entry.tombstone,
      context: object.clock,
    };
  }

  /**
   * The key's value with siblings resolved (last writer wins unless a resolver is
   * given); `options.default` when missing or deleted. With `writeBack`, several
   * siblings are replaced by the resolution, written against the clock that was read.
   */
  async get(prefix: FullPrefix, key: MetadataKey, options: GetOptions = {}): Promise<unknown> {
    const read = this.read(prefix, key);
    if (read === undefined) return options.default;
    const resolver = resolverOf(options.resolver);
    const resolution = resolver(read.siblings);
    if (options.writeBack === true && read.siblings.length > 1) {
      // A lost write-back only leaves the siblings as they were: a read never waits
      // for (or fails on) a write quorum.
      await this.write(prefix, key, resolution, { context: read.context, w: 1 });
    }
    return resolution.kind === 'value' ? resolution.value : options.default;
  }

  /** The keys of a prefix in key order, resolved; deleted keys only when asked for. */
  *iterate(prefix: FullPrefix, options: IterateOptions = {}): Generator<FoldEntry> {
    checkPrefix(prefix);
    const resolver = resolverOf(options.resolver);
    const entries = [...this.replica.entries(prefix)].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [key, entry] of entries) {
      const resolution = resolver(entry.object.siblings);
      const deleted = resolution.kind === 'tombstone';
      if (deleted && options.includeDeleted !== true) continue;
      yield {
        key,
        value: resolution.kind === 'value' ? resolution.value : undefined,
        deleted,
        siblings: entry.object.siblings,
      };
    }
  }

  /**
   * One page of a prefix's live keys in key order, each with its siblings and the
   * context to write against. Pages follow one another with `after: page.next`; keys
   * written meanwhile show up if they sort after the page already seen.
   */
  list(prefix: FullPrefix, options: ListOptions = {}): ListPage {
    checkPrefix(prefix);
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new InvalidMetadataOptionError('limit', limit, 'an integer >= 1');
    }
    const after = options.after;
    const resolver = resolverOf(options.resolver);
    const keys: MetadataKey[] = [];
    for (const [key, entry] of this.replica.entries(prefix)) {
      if ((after === undefined || key > after) && !entry.tombstone) keys.push(key);
    }
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entries: (FoldEntry & { context: VersionVector })[] = [];
    let next: MetadataKey | undefined;
    for (const key of keys) {
      const object = this.replica.get(prefix, key)?.object;
      if (object === undefined) continue;
      const resolution = resolver(object.siblings);
      if (resolution.kind === 'tombstone') continue;
      if (entries.length === limit) {
        next = entries[entries.length - 1]?.key;
        break;
      }
      entries.push({
        key,
        value: resolution.value,
        deleted: false,
        siblings: object.siblings,
        context: object.clock,
      });
    }
    return next === undefined ? { entries } : { entries, next };
  }

  /**
   * Calls `listener` for every change to a key under `prefix`, local or remote, once
   * the change is durable. `[prefix]` alone matches every sub-prefix. Returns the
   * function that unsubscribes.
   */
  subscribe(prefix: FullPrefix | readonly [string], listener: ChangeListener): () => void {
    return this.subscribers.subscribe(prefix, listener);
  }

  /**
   * Calls `listener` with every durable change (local or merged from a peer) under
   * `scope`: a full prefix, or `[prefix]` for all its sub-prefixes. With `since`, first
   * replays what happened after that token, or sends one `reset` event when it cannot.
   * Changes that reach this node only through an exchange arrive as their latest
   * version, so intermediate writes may be skipped; per key, events are in causal order.
   */
  watch(
    scope: WatchScope,
    listener: (event: WatchEvent) => void,
    options: WatchOptions = {},
  ): Watch {
    return this.subscribers.watch(scope, listener, options);
  }

  /** Folds over {@link iterate}. */
  fold<A>(
    prefix: FullPrefix,
    fn: (acc: A, entry: FoldEntry) => A,
    initial: A,
    options?: IterateOptions,
  ): A {
    let acc = initial;
    for (const entry of this.iterate(prefix, options)) acc = fn(acc, entry);
    return acc;
  }

  /** Every prefix holding at least one key (tombstones included). */
  prefixes(): FullPrefix[] {
    return this.replica.prefixList();
  }

  /** The whole object of a key (for tests and tooling), or undefined. */
  object(prefix: FullPrefix, key: MetadataKey): MetadataObject | undefined {
    return this.replica.get(prefix, key)?.object;
  }

  /** Root hash per prefix: two stores with equal digests hold equal data. */
  digest(): [FullPrefix, string][] {
    return this.replica.prefixList().map((p) => [p, this.replica.rootHash(p)]);
  }

  /** How many tombstones are held. */
  tombstoneCount(): number {
    return this.replica.tombstoneCount();
  }

  /** Log size in bytes and compactions since open (undefined when memory only). */
  logStats(): { bytes: number; compactions: number } | undefined {
    return this.log === undefined
      ? undefined
      : { bytes: this.log.size, compactions: this.log.compactionCount };
  }

  /** Rewrites the log as its live state now (it also happens by itself as the log grows). */
  async compact(): Promise<void> {
    await this.log?.compact();
  }

  /**
   * Forgets tombstones that every member holds and that are older than the grace
   * period; returns how many. Runs after every exchange this node starts.
   */
  async collectTombstones(): Promise<number> {
    if (this.members === undefined || this.closed) return 0;
    const collectible = [
      ...this.replica.collectible(this.members(), this.node, this.now(), this.graceMs),
    ];
    const now = this.now();
    this.replica.pruneForgotten(now, this.retentionMs);
    const writes: Promise<void>[] = [];
    for (const [prefix, key, entry] of collectible) {
      const clock = entry.object.clock;
      this.replica.forget(prefix, key, clock, now);
      writes.push(this.append({ type: 'forget', prefix, key, clock }));
    }
    await Promise.all(writes);
    return collectible.length;
  }

  /** Stops running exchanges and closes the log; later calls reject with StoreClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exchanges = [...this.running];
    for (const x of exchanges) x.cancel();
    await Promise.all(exchanges.map((x) => x.done));
    await this.log?.close();
  }

  // ---- what the broadcast handler asks ---------------------------------------------

  /** Merges a payload from a peer; true when it changed this replica (after it is durable). */
  async mergeRemote(
    prefix: FullPrefix,
    key: MetadataKey,
    incoming: MetadataObject,
  ): Promise<boolean> {
    this.checkOpen();
    const outcome = this.replica.merge(prefix, key, incoming, this.now());
    if (!outcome.changed || outcome.entry === undefined) return false;
    const object = outcome.entry.object;
    await this.append({ type: 'put', prefix, key, object });
    this.subscribers.notify(prefix, key, object, 'remote');
    return true;
  }

  /** True when this replica's clock for the key already descends the id's clock. */
  isStale(id: MetadataId): boolean {
    const clock =
      this.replica.get(id.prefix, id.key)?.object.clock ??
      this.replica.forgottenClock(id.prefix, id.key);
    return clock !== undefined && descends(clock, id.clock);
  }

  /**
   * The object to send a peer that missed `id`: the current one, which descends the
   * id's (it is at least as new). `stale` when the key has been collected here.
   */
  async graft(id: MetadataId): Promise<'stale' | { ok: MetadataBroadcast } | { error: unknown }> {
    const entry = this.replica.get(id.prefix, id.key);
    if (entry === undefined) return 'stale';
    if (!descends(entry.object.clock, id.clock)) {
      return { error: new MalformedDataError('graft', 'this replica never held that version') };
    }
    const message = { prefix: id.prefix, key: id.key, object: entry.object };
    // Never hand out state that a crash could still take back.
    await this.durable();
    return { ok: message };
  }

  // ---- anti-entropy ------------------------------------------------------------------

  /** Answers one exchange request from a peer (the other end of {@link ExchangeRpc}). */
  async handleExchangeRequest(request: ExchangeRequest): Promise<ExchangeResponse> {
    this.checkOpen();
    const { response, effects } = answer(this.replica, request);
    await this.applyEffects(effects);
    await this.durable();
    return response;
  }

  /**
   * Starts anti-entropy with `peer`: compares hash trees prefix by prefix and repairs
   * both sides, a bounded number of segments per round. `done` resolves (never rejects)
   * with a summary when finished, failed or cancelled.
   */
  exchange(peer: string): MetadataExchange {
    const handle = runExchange(
      {
        self: this.node,
        limits: this.limits,
        view: this.replica,
        rpc: this.rpc,
        timeoutMs: this.timeoutMs,
        checkOpen: () => this.checkOpen(),
        durable: () => this.durable(),
        applyEffects: (effects) => this.applyEffects(effects),
        afterCompleted: async () => void (await this.collectTombstones()),
        onError: this.onError,
      },
      peer,
    );
    this.running.add(handle);
    void handle.done.finally(() => this.running.delete(handle));
    return handle;
  }

  /** Exchanges currently running from this side. */
  runningExchanges(): number {
    return this.running.size;
  }

  // ---- internals ---------------------------------------------------------------------

  /** The live state as log records: what compaction writes. */
  private *snapshot(): Generator<LogRecord> {
    yield { type: 'floor', actor: this.actor, counter: this.counterFloor };
    for (const prefix of this.replica.prefixList()) {
      for (const [key, entry] of this.replica.entries(prefix)) {
        yield { type: 'put', prefix, key, object: entry.object };
      }
    }
    for (const [prefix, key, clock] of this.replica.forgottenEntries()) {
      yield { type: 'forget', prefix, key, clock };
    }
  }

  private checkOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new StoreClosedError();
  }

  /**
   * Appends to the log (nothing without one). A failed append leaves a change in
   * memory that is not on disk and whose counter a restart could hand out again, so
   * the store stops: every later call fails with the same error until it is reopened.
   */
  private async append(record: LogRecord): Promise<void> {
    if (this.log === undefined) return;
    try {
      await this.log.append(record);
    } catch (error) {
      if (this.failure === undefined) {
        this.failure = error;
        this.onError(error);
      }
      throw error;
    }
  }

  /** Waits until everything in memory is on disk; fails if the log has failed. */
  private async durable(): Promise<void> {
    await this.log?.flushed();
    this.checkOpen();
  }

  private checkKeyLength(key: MetadataKey): void {
    checkKey(key);
    if (key.length > this.maxKeyLength) throw new KeyTooLongError(key.length, this.maxKeyLength);
  }

  private async write(
    prefix: FullPrefix,
    key: MetadataKey,
    write: Write,
    options: WriteOptions | undefined,
  ): Promise<WriteResult> {
    this.checkOpen();
    const context = options?.context;
    if (context !== undefined && !isVersionVector(context)) {
      throw new MalformedDataError('context', 'not a version vector');
    }
    const w = options?.w === undefined ? this.writeQuorum : checkWriteQuorum('w', options.w);
    const now = this.now();
    const gone = this.replica.forgottenClock(prefix, key);
    const current =
      this.replica.get(prefix, key)?.object ??
      (gone !== undefined ? { clock: gone, siblings: [] } : undefined);
    if (options?.compareAndSet === true && context !== undefined) {
      const held = this.replica.get(prefix, key);
      // A collected key's history is superseded by its tombstone, so only live state
      // (what a read would show) has to be covered.
      if (held !== undefined && !descends(context, held.object.clock)) {
        throw new StaleContextError(key, this.read(prefix, key));
      }
    }
    // Applied in memory at once so that the next write to the key (even before this
    // one is durable) builds on it and gets the next counter.
    const { object, dot } = applyWrite(current, this.actor, write, now, context, this.counterFloor);
    this.counterFloor = dot[1];
    this.replica.set(prefix, key, object, now);
    await this.append({ type: 'put', prefix, key, object });
    this.subscribers.notify(prefix, key, object, 'local');
    try {
      this.broadcastFn({ prefix, key, object });
    } catch (error) {
      // The write is durable; exchanges will spread it even if this broadcast failed.
      this.onError(error);
    }
    const replicas = await this.replicate(prefix, key, object, w);
    return { context: object.clock, dot, replicas };
  }

  /**
   * Waits until the write's quorum holds `object` (pushed as an exchange `push`, which
   * a peer answers once the object is durable there); rejects when it cannot be met.
   */
  private async replicate(
    prefix: FullPrefix,
    key: MetadataKey,
    object: MetadataObject,
    w: WriteQuorum,
  ): Promise<readonly string[]> {
    const peers = [...this.reachablePeers()].filter((p) => p !== this.node).sort();
    const needed = replicasNeeded(w, peers.length);
    const start = peers.length === 0 ? 0 : this.pushCursor++ % peers.length;
    const outcome = await awaitQuorum({
      self: this.node,
      needed,
      candidates: [...peers.slice(start), ...peers.slice(0, start)],
      timeoutMs: this.writeTimeoutMs,
      now: this.now,
      push: async (peer, timeoutMs) => {
        const request: ExchangeRequest = {
          type: 'push',
          from: this.node,
          prefix,
          objects: [[key, object]],
          forgotten: [],
        };
        await this.rpc.call(peer, request, timeoutMs);
      },
    });
    try {
      this.onWriteQuorum(outcome);
    } catch (error) {
      this.onError(error);
    }
    if (outcome.kind === 'failed') {
      throw new WriteQuorumError(
        key,
        outcome.reason,
        outcome.needed,
        outcome.replicas,
        outcome.detail,
      );
    }
    return outcome.replicas;
  }

  private async applyEffects(effects: readonly ExchangeEffect[]): Promise<void> {
    const merges: Promise<boolean>[] = [];
    for (const effect of effects) {
      switch (effect.type) {
        case 'merge':
          for (const [key, object] of effect.objects) {
            merges.push(this.mergeRemote(effect.prefix, key, object));
          }
          break;
        case 'confirm':
          this.replica.confirm(effect.prefix, effect.peer, effect.scope);
          break;
        default: {
          const unreachable: never = effect;
          throw new Error(`unknown effect ${String(unreachable)}`);
        }
      }
    }
    await Promise.all(merges);
  }
}
