import { CloseCode } from './close-codes.js';
import type { ListenAddr } from './node-spec.js';
import type { ConnectionDirection } from './tie-break.js';

/**
 * Who dials which connection of a peer's link, and when, as pure decisions the link
 * (`peer-link.ts`) carries out. The rules:
 *
 * - The node that established the peer's `default` lane-0 connection (the session)
 *   dials the other slots at once; the other node gives it one handshake timeout to
 *   do so before dialling whatever is still missing itself.
 * - After a loss, each side redials what it had dialled; once the peer is down (no
 *   connection left), both sides redial only the session slot, with jittered backoff,
 *   and the tie-break (`tie-break.ts`) settles the rare simultaneous success.
 * - One connection timing out means a silent peer: the others are dropped at once.
 */

/** What to do once a connection is adopted into its slot. */
export type AfterAdopt = 'fill_now' | 'fill_later';

/** What to do once a connection of the link has closed. */
export type AfterClose =
  /** No connection is left: the peer is down; redial its session slot only. */
  | 'peer_down'
  /** This node had dialled the slot: redial it. */
  | 'redial_slot'
  /** The peer dialled it (or the tie-break dropped it): give the peer time, then fill. */
  | 'fill_later';

/** What to do once a dial failed. */
export type AfterDialFailure = 'redial' | 'fill_later' | 'give_up';

/** True for the session slot: the `default` channel's lane 0. */
export function isSessionSlot(channel: string, lane: number, defaultChannel: string): boolean {
  return channel === defaultChannel && lane === 0;
}

/** After adopting a connection: the node that dialled the session fills the other slots now. */
export function afterAdopt(isSession: boolean, direction: ConnectionDirection): AfterAdopt {
  return isSession && direction === 'outbound' ? 'fill_now' : 'fill_later';
}

/** Whether a close means the peer is silent, so that its other connections are dropped too. */
export function dropsOtherConnections(code: number, byPeer: boolean): boolean {
  return !byPeer && code === CloseCode.PingTimeout;
}

/**
 * After a connection closed, with `remaining` connections of the link still open
 * (none when {@link dropsOtherConnections} dropped them).
 */
export function afterClose(
  remaining: number,
  code: number,
  direction: ConnectionDirection,
): AfterClose {
  if (remaining === 0) return 'peer_down';
  if (code !== CloseCode.DuplicateConnection && direction === 'outbound') return 'redial_slot';
  return 'fill_later';
}

/**
 * After a dial of a slot failed: a refusal as a duplicate means the peer's own
 * connection for the slot is on its way; otherwise the session is always redialled,
 * and other slots only while the peer is up.
 */
export function afterDialFailure(
  duplicate: boolean,
  peerUp: boolean,
  isSession: boolean,
): AfterDialFailure {
  if (duplicate) return 'fill_later';
  return peerUp || isSession ? 'redial' : 'give_up';
}

/** The address to dial on attempt `attempt` (0-based): the peer's addresses in turn. */
export function dialAddress(addrs: readonly ListenAddr[], attempt: number): ListenAddr | undefined {
  if (addrs.length === 0) return undefined;
  return addrs[Math.max(0, Math.floor(attempt)) % addrs.length];
}
