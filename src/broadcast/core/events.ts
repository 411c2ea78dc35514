import type { ExchangeToken, GraftToken, IsStaleToken, MergeToken, TimerKey } from './effects.js';
import type { ExchangeRef } from './exchanges.js';
import type { HandlerName, MessageId, NodeName, WireMessage } from './messages.js';

/**
 * A broadcast originated here. The shell has already called
 * `handler.broadcastData(message)` and passes its `{ id, payload }`; if that threw,
 * the shell feeds `broadcastDataFailed` instead and nothing is sent.
 */
export interface LocalBroadcastEvent {
  readonly type: 'localBroadcast';
  readonly handler: HandlerName;
  readonly id: MessageId;
  readonly payload: unknown;
}

/** `handler.broadcastData` threw: the broadcast is cancelled and logged. */
export interface BroadcastDataFailedEvent {
  readonly type: 'broadcastDataFailed';
  readonly handler: HandlerName;
  readonly error: unknown;
}

/**
 * A wire message arrived. `from` is the peer the channel authenticated; a message
 * whose own `from` disagrees is dropped and logged.
 */
export interface ReceiveEvent {
  readonly type: 'receive';
  readonly from: NodeName;
  readonly msg: WireMessage;
}

/** `handler.merge` returned. */
export interface MergeResultEvent {
  readonly type: 'mergeResult';
  readonly token: MergeToken;
  readonly isNew: boolean;
}

/** `handler.merge` threw or rejected: logged and treated as not new. */
export interface MergeFailedEvent {
  readonly type: 'mergeFailed';
  readonly token: MergeToken;
  readonly error: unknown;
}

/** `handler.isStale` returned. */
export interface IsStaleResultEvent {
  readonly type: 'isStaleResult';
  readonly token: IsStaleToken;
  readonly stale: boolean;
}

/** `handler.isStale` threw or rejected: logged and treated as not stale. */
export interface IsStaleFailedEvent {
  readonly type: 'isStaleFailed';
  readonly token: IsStaleToken;
  readonly error: unknown;
}

/** What `handler.graft` answered; a throw is reported as `{ error }`. */
export type GraftOutcome = 'stale' | { readonly ok: unknown } | { readonly error: unknown };

/** `handler.graft` returned. */
export interface GraftResultEvent {
  readonly type: 'graftResult';
  readonly token: GraftToken;
  readonly result: GraftOutcome;
}

/** What `handler.exchange` answered; a throw is reported as `{ error }`. */
export type ExchangeOutcome =
  | 'ok'
  | 'ignore'
  | { readonly ok: unknown }
  | { readonly error: unknown };

/** `handler.exchange` returned. `{ ok: handle }` makes it a running exchange. */
export interface ExchangeResultEvent {
  readonly type: 'exchangeResult';
  readonly token: ExchangeToken;
  readonly result: ExchangeOutcome;
}

/** A running exchange's handle stopped (normally or not). */
export interface ExchangeEndedEvent {
  readonly type: 'exchangeEnded';
  readonly ref: ExchangeRef;
}

/**
 * The shell is ready: the core arms its periodic work (the exchange tick, and the
 * lazy tick whenever announcements are owed). Until then it arms no tick, so a
 * core driven by hand (tests) sees only the effects of its events. The phases
 * delay the first ticks (default one period each), so simulated nodes need not
 * tick in lockstep; lazy ticks stay on the grid `start + lazyPhaseMs + k·period`.
 */
export interface StartEvent {
  readonly type: 'start';
  readonly lazyPhaseMs?: number;
  readonly exchangePhaseMs?: number;
}

/** A timer armed by a `setTimer` effect fired. */
export interface TimerEvent {
  readonly type: 'timer';
  readonly key: TimerKey;
}

/** The peer service's new view of the membership (this node is kept regardless). */
export interface UpdateEvent {
  readonly type: 'update';
  readonly members: Iterable<NodeName>;
}

/** A connection to `peer` came up: lazy ticks and exchanges consider it again. */
export interface PeerUpEvent {
  readonly type: 'peerUp';
  readonly peer: NodeName;
}

/** The connection to `peer` went down: lazy ticks skip it, exchanges avoid it. */
export interface PeerDownEvent {
  readonly type: 'peerDown';
  readonly peer: NodeName;
}

/** Everything fed to `step`. */
export type PlumtreeEvent =
  | StartEvent
  | LocalBroadcastEvent
  | BroadcastDataFailedEvent
  | ReceiveEvent
  | MergeResultEvent
  | MergeFailedEvent
  | IsStaleResultEvent
  | IsStaleFailedEvent
  | GraftResultEvent
  | ExchangeResultEvent
  | ExchangeEndedEvent
  | TimerEvent
  | UpdateEvent
  | PeerUpEvent
  | PeerDownEvent;
