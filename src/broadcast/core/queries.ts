import type { CancelExchangeEffect } from './effects.js';
import { type Exchange, type ExchangeSelector, selectsExchange } from './exchanges.js';
import type { Announcement, NodeName } from './messages.js';
import type { PlumtreeState } from './state.js';

/** A node's peers in one tree, sorted. */
export interface TreePeers {
  readonly eagers: NodeName[];
  readonly lazys: NodeName[];
}

/** The server's view of the full membership, this node included, sorted. */
export function broadcastMembers(state: PlumtreeState): NodeName[] {
  return [...state.allMembers].sort();
}

/**
 * This node's peers in the tree rooted at `root`: the tree's own sets if it has
 * changed here, else what a first broadcast from `root` would use.
 */
export function getPeers(state: PlumtreeState, root: NodeName): TreePeers {
  const { eagers, lazys } = state.sets.peersView(root);
  return { eagers: [...eagers].sort(), lazys: [...lazys].sort() };
}

/** The eager half of {@link getPeers}. */
export function getEagerPeers(state: PlumtreeState, root: NodeName): NodeName[] {
  return [...state.sets.peersView(root).eagers].sort();
}

/** The lazy half of {@link getPeers}. */
export function getLazyPeers(state: PlumtreeState, root: NodeName): NodeName[] {
  return [...state.sets.peersView(root).lazys].sort();
}

/** Running exchanges started by this node, oldest first. */
export function listExchanges(state: PlumtreeState): Exchange[] {
  return [...state.exchanges.values()];
}

/** What {@link cancelExchanges} stopped. */
export interface CancelExchangesResult {
  readonly cancelled: Exchange[];
  /** One `cancelExchange` effect per cancelled exchange, for the shell to kill its handle. */
  readonly effects: CancelExchangeEffect[];
}

/**
 * Stops the running exchanges picked by `selector` (a command, not a pure query:
 * they are removed from `state`). Exchanges still waiting for the handler's answer
 * are not running yet and are left alone.
 */
export function cancelExchanges(
  state: PlumtreeState,
  selector: ExchangeSelector,
): CancelExchangesResult {
  const cancelled: Exchange[] = [];
  for (const x of state.exchanges.values()) if (selectsExchange(selector, x)) cancelled.push(x);
  for (const x of cancelled) state.exchanges.delete(x.ref);
  return {
    cancelled,
    effects: cancelled.map((exchange) => ({ type: 'cancelExchange', exchange })),
  };
}

/** Outstanding announcements over all peers (the `plumtree_outstanding` gauge). */
export function outstandingCount(state: PlumtreeState): number {
  return state.outstanding.size;
}

/** Announcements owed to `peer`, oldest first. */
export function outstandingFor(state: PlumtreeState, peer: NodeName): Announcement[] {
  return [...state.outstanding.entriesFor(peer)];
}

/** Whether `peer` is currently considered connected. */
export function isConnected(state: PlumtreeState, peer: NodeName): boolean {
  return state.allMembers.has(peer) && peer !== state.node && !state.down.has(peer);
}
