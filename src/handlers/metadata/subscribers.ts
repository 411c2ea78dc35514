/**
 * Who hears about changes: subscribers (every durable change under a prefix, as it
 * happens) and watches (the same, numbered in the change feed so they can resume).
 * A throwing listener is reported and does not disturb the store or other listeners.
 */
import {
  type ChangeFeed,
  type FeedChange,
  formatToken,
  inScope,
  parseToken,
  type WatchScope,
} from './change-feed.js';
import { isTombstone, liveValues, type MetadataObject, type Sibling } from './object.js';
import { checkPrefix, type FullPrefix, type MetadataKey, prefixId } from './prefix.js';
import { lwwResolver } from './resolver.js';
import type { VersionVector } from './version-vector.js';

/** A change seen by subscribers. */
export interface ChangeEvent {
  readonly prefix: FullPrefix;
  readonly key: MetadataKey;
  /** `local` for a write made through this store, `remote` for one merged from a peer. */
  readonly origin: 'local' | 'remote';
  readonly object: MetadataObject;
  /** Live values, in dot order; several when writes were concurrent. */
  readonly values: readonly unknown[];
  /** True when every sibling is a tombstone. */
  readonly deleted: boolean;
}

/** Listener of {@link MetadataStore.subscribe}. */
export type ChangeListener = (event: ChangeEvent) => void;

/** What a watch listener receives. */
export type WatchEvent =
  | {
      readonly type: 'put' | 'delete';
      readonly prefix: FullPrefix;
      readonly key: MetadataKey;
      /** The resolved value (undefined for a delete). */
      readonly value: unknown;
      readonly siblings: readonly Sibling[];
      readonly context: VersionVector;
      readonly origin: 'local' | 'remote';
      /** Resume here: {@link MetadataStore.watch} with `since` continues after this event. */
      readonly token: string;
    }
  | {
      /**
       * The watch could not resume from `since` (this node restarted, or more changes
       * happened than it keeps): list the prefix again, then carry on; events after this
       * one are live from `token`.
       */
      readonly type: 'reset';
      readonly reason: string;
      readonly token: string;
    };

/** A running watch. */
export interface Watch {
  /** The token of the latest change at the time the watch started. */
  readonly startToken: string;
  close(): void;
}

/** Options of {@link MetadataStore.watch}. */
export interface WatchOptions {
  /** A token from an earlier event: first replay every change after it. */
  readonly since?: string;
}

/** The listeners of one store. */
export class Subscribers {
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private readonly watchers = new Set<{ scope: WatchScope; fn: (change: FeedChange) => void }>();

  constructor(
    private readonly feed: ChangeFeed,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Calls `listener` for every change to a key under `prefix`, local or remote, once
   * the change is durable. `[prefix]` alone matches every sub-prefix. Returns the
   * function that unsubscribes.
   */
  subscribe(prefix: FullPrefix | readonly [string], listener: ChangeListener): () => void {
    if (prefix.length === 1) checkPrefix([prefix[0], '*']);
    else checkPrefix(prefix);
    const id = prefix.length === 1 ? `top:${prefix[0]}` : `full:${prefixId(prefix)}`;
    let set = this.listeners.get(id);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
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
    if (scope.length === 1) checkPrefix([scope[0], '*']);
    else checkPrefix(scope);
    const deliver = (change: FeedChange): void => {
      try {
        listener(this.watchEvent(change));
      } catch (error) {
        this.onError(error);
      }
    };
    const startToken = formatToken(this.feed.head());
    if (options.since !== undefined) {
      const token = parseToken(options.since);
      const replay =
        token === undefined
          ? ({ kind: 'too-far-behind', reason: 'not a resume token' } as const)
          : this.feed.since(token, scope);
      if (replay.kind === 'changes') for (const change of replay.changes) deliver(change);
      else {
        try {
          listener({ type: 'reset', reason: replay.reason, token: startToken });
        } catch (error) {
          this.onError(error);
        }
      }
    }
    const watcher = { scope, fn: deliver };
    this.watchers.add(watcher);
    return { startToken, close: () => void this.watchers.delete(watcher) };
  }

  /** Tells watchers and subscribers about a durable change. */
  notify(
    prefix: FullPrefix,
    key: MetadataKey,
    object: MetadataObject,
    origin: 'local' | 'remote',
  ): void {
    const deleted = isTombstone(object);
    const change = this.feed.append({ prefix, key, object, deleted, origin });
    for (const watcher of [...this.watchers]) {
      if (inScope(watcher.scope, prefix)) watcher.fn(change);
    }
    const sets = [
      this.listeners.get(`full:${prefixId(prefix)}`),
      this.listeners.get(`top:${prefix[0]}`),
    ];
    if (sets[0] === undefined && sets[1] === undefined) return;
    const event: ChangeEvent = {
      prefix,
      key,
      origin,
      object,
      values: liveValues(object),
      deleted,
    };
    for (const set of sets) {
      if (set === undefined) continue;
      for (const listener of [...set]) {
        try {
          listener(event);
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }
  private watchEvent(change: FeedChange): WatchEvent {
    const token = formatToken({ epoch: this.feed.epoch, seq: change.seq });
    const base = {
      prefix: change.prefix,
      key: change.key,
      siblings: change.object.siblings,
      context: change.object.clock,
      origin: change.origin,
      token,
    };
    const resolution = lwwResolver(change.object.siblings);
    return resolution.kind === 'value'
      ? { type: 'put', value: resolution.value, ...base }
      : { type: 'delete', value: undefined, ...base };
  }
}
