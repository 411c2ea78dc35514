import type { Exchange, ExchangeRef } from './exchanges.js';
import type {
  Announcement,
  BroadcastMessage,
  HandlerName,
  MessageId,
  NodeName,
  WireMessage,
} from './messages.js';

import type { TimerKey } from './timers.js';

export type { TimerKey } from './timers.js';

/** Send `msg` to `to` over the handler's channel (the shell picks the channel). */
export interface SendEffect {
  readonly type: 'send';
  readonly to: NodeName;
  readonly msg: WireMessage;
}

/** Arm (or re-arm) timer `key`; when it fires, feed `{ type: 'timer', key }`. */
export interface SetTimerEffect {
  readonly type: 'setTimer';
  readonly key: TimerKey;
  readonly delayMs: number;
}

/** Disarm timer `key` if armed. A `timer` event for a cancelled key is harmless. */
export interface CancelTimerEffect {
  readonly type: 'cancelTimer';
  readonly key: TimerKey;
}

/**
 * Context of a `merge` call, echoed back in `mergeResult` / `mergeFailed`: the
 * received message itself, so the core need not remember the call.
 */
export type MergeToken = BroadcastMessage;

/** Call `handler.merge(id, payload)` and feed back `mergeResult` (or `mergeFailed` if it threw). */
export interface MergeEffect {
  readonly type: 'merge';
  readonly handler: HandlerName;
  readonly id: MessageId;
  readonly payload: unknown;
  readonly token: MergeToken;
}

/** Context of an `isStale` call, echoed back in the result. */
export type IsStaleToken =
  /** An announcement from `from` arrived in an `i_have`. */
  | { readonly purpose: 'iHave'; readonly entry: Announcement; readonly from: NodeName }
  /** A delayed-graft timer fired; checked again because the payload may have come another way. */
  | { readonly purpose: 'graftTimer'; readonly key: string };

/** Call `handler.isStale(id)` and feed back `isStaleResult` (or `isStaleFailed`). */
export interface IsStaleEffect {
  readonly type: 'isStale';
  readonly handler: HandlerName;
  readonly id: MessageId;
  readonly token: IsStaleToken;
}

/** Context of a `graft` call: the announcement `from` asked for. */
export interface GraftToken {
  readonly entry: Announcement;
  readonly from: NodeName;
}

/** Call `handler.graft(id)` and feed back `graftResult` (a throw becomes `{ error }`). */
export interface GraftEffect {
  readonly type: 'graft';
  readonly handler: HandlerName;
  readonly id: MessageId;
  readonly token: GraftToken;
}

/** Context of an `exchange` call. */
export interface ExchangeToken {
  readonly ref: ExchangeRef;
  readonly handler: HandlerName;
  readonly peer: NodeName;
}

/** Call `handler.exchange(peer)` and feed back `exchangeResult` (a throw becomes `{ error }`). */
export interface ExchangeStartEffect {
  readonly type: 'exchangeStart';
  readonly handler: HandlerName;
  readonly peer: NodeName;
  readonly token: ExchangeToken;
}

/** Stop a running exchange (kill its handle); it is already gone from the state. */
export interface CancelExchangeEffect {
  readonly type: 'cancelExchange';
  readonly exchange: Exchange;
}

/** Counters the shell may export; the shell counts sends itself from `send` effects. */
export type MetricEvent =
  /** A payload was merged as new. */
  | { readonly kind: 'delivered'; readonly handler: HandlerName }
  /** A payload was merged as not new (the sender gets pruned). */
  | { readonly kind: 'duplicate'; readonly handler: HandlerName }
  /**
   * An outstanding announcement was dropped because `peer` had too many and is
   * `down` (its connection is down) or `farBehind` (connected but it has not
   * acknowledged any announcement for `farBehindTicks` lazy ticks).
   */
  | {
      readonly kind: 'outstandingEvicted';
      readonly peer: NodeName;
      readonly handler: HandlerName;
      readonly reason: OutstandingEvictionReason;
    }
  /** A message for a handler not registered here was dropped. */
  | {
      readonly kind: 'unknownHandlerDropped';
      readonly handler: HandlerName;
      readonly from: NodeName | null;
    }
  /** The announcer list of a missing message was dropped to bound memory. */
  | { readonly kind: 'missingEvicted'; readonly handler: HandlerName }
  /** Tree optimisation swapped the eager link `pruned` for `grafted` in the tree of `root`. */
  | {
      readonly kind: 'treeOptimized';
      readonly root: NodeName;
      readonly grafted: NodeName;
      readonly pruned: NodeName;
    };

/** Why an outstanding announcement was dropped; a connected, responsive peer loses none. */
export type OutstandingEvictionReason = 'down' | 'farBehind';

/** A metric to count. */
export interface MetricEffect {
  readonly type: 'metric';
  readonly metric: MetricEvent;
}

/** Something the operator should see: handler faults and dropped input. */
export interface LogEffect {
  readonly type: 'log';
  readonly level: 'warn' | 'error';
  readonly message: string;
  readonly handler?: HandlerName;
  readonly error?: unknown;
}

/** Everything the core asks its shell to do. */
export type PlumtreeEffect =
  | SendEffect
  | SetTimerEffect
  | CancelTimerEffect
  | MergeEffect
  | IsStaleEffect
  | GraftEffect
  | ExchangeStartEffect
  | CancelExchangeEffect
  | MetricEffect
  | LogEffect;
