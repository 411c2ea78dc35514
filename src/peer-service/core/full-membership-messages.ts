import type { MembershipStateData } from './membership-crdt.js';
import type { NodeSpec } from './node-spec.js';

/**
 * Messages of the full-membership protocol, sent on the membership channel. The
 * shell encodes them as they are (plain data) and hands received ones to the core
 * with the authenticated sender's name.
 */
export type MembershipMessage =
  /** A node asks the receiver to admit it; carries only the joiner's own entry. */
  | {
      readonly type: 'joinRequest';
      readonly epoch: number;
      readonly incarnation: number;
      readonly spec: NodeSpec;
    }
  /** The contact's whole state, answering a `joinRequest`. */
  | { readonly type: 'joinReply'; readonly state: MembershipStateData }
  /** A member's whole state: on change, periodically, or to help a lagging sender. */
  | { readonly type: 'gossip'; readonly state: MembershipStateData };

/**
 * Timers the full-membership core arms itself through `setTimer` effects (the first
 * one from `initFullMembership`). A shell keeps at most one timer per key (compare
 * keys by `type`) and feeds `{ type: 'timer', key }` back when one fires.
 */
export type FullMembershipTimer =
  /** Every `periodicInterval`: gossip to every member, retry a pending join, collect tombstones, probe lost peers. */
  | { readonly type: 'periodic' }
  /**
   * Armed (only when `downAfterMs > 0`) for the earliest moment a member that is down
   * may be reaped. A late or stale firing is harmless: the core checks every deadline.
   */
  | { readonly type: 'reap' };

/** Inputs of {@link stepFullMembership}. */
export type FullMembershipEvent =
  /**
   * Join the cluster of `peer`. The shell has connected and learnt the peer's name
   * from the handshake. Joining moves this node into the contact's cluster: on the
   * reply its view becomes the contact's view plus itself.
   */
  | { readonly type: 'join'; readonly peer: string }
  /** This node leaves: its removal is gossiped, then it resets to a singleton. */
  | { readonly type: 'leave' }
  /** Remove another member (`name` equal to this node means `leave`). */
  | { readonly type: 'remove'; readonly name: string }
  /** This node's spec changed while running (e.g. a new port): announce it. */
  | { readonly type: 'updateSpec'; readonly spec: NodeSpec }
  /** A membership message from the authenticated peer `from`, already validated (see `parseMembershipMessage`). */
  | { readonly type: 'receive'; readonly from: string; readonly msg: MembershipMessage }
  /** A timer armed by a `setTimer` effect fired. */
  | { readonly type: 'timer'; readonly key: FullMembershipTimer }
  /**
   * Every channel to `name` is down (the shell forwards the channels' `down` for any
   * peer). A member that stays down for `downAfterMs` is reaped.
   */
  | { readonly type: 'peerDown'; readonly name: string }
  /** A channel to `name` came up (after the handshake). */
  | { readonly type: 'peerUp'; readonly name: string };

/**
 * Outputs of {@link stepFullMembership}. The shell carries them out in order: in
 * particular the sends that precede a `reset` must be flushed before its
 * connections are closed.
 */
export type FullMembershipEffect =
  | { readonly type: 'send'; readonly to: string; readonly msg: MembershipMessage }
  /**
   * The live membership changed. `members` is sorted and includes this node;
   * `added` and `updated` (same name, newer incarnation: reconnect to the new
   * addresses) carry specs so the shell can dial; `removed` are names to disconnect.
   */
  | {
      readonly type: 'membersChanged';
      readonly members: readonly string[];
      readonly added: readonly NodeSpec[];
      readonly updated: readonly NodeSpec[];
      readonly removed: readonly string[];
    }
  /** A `join` through `peer` completed: the peer's state is merged. */
  | { readonly type: 'joined'; readonly peer: string }
  /**
   * This node is no longer in its former cluster (it left, or saw itself removed)
   * and is now a singleton with a fresh incarnation: close the connections to
   * `disconnect`, after flushing the sends emitted before this effect.
   */
  | {
      readonly type: 'reset';
      readonly reason: 'left' | 'removed';
      readonly disconnect: readonly string[];
    }
  /** Arm timer `key` to fire in `delayMs`, replacing one already armed under that key. */
  | { readonly type: 'setTimer'; readonly key: FullMembershipTimer; readonly delayMs: number }
  /**
   * Send `msg` to `spec`, a node that is not a live member (a member removed while it
   * may still be alive): dial it at `spec`'s addresses first if needed. A failure is
   * not an error; the probe is repeated on the next `periodic` timer.
   */
  | { readonly type: 'probe'; readonly spec: NodeSpec; readonly msg: MembershipMessage }
  /**
   * This node removed `name` because every channel to it had been down for
   * `downForMs` (at least `downAfterMs`); the removal is already gossiped. For an
   * event and a counter.
   */
  | { readonly type: 'reaped'; readonly name: string; readonly downForMs: number }
  /**
   * This node saw a removal of its own life while alive (it was reaped during a
   * partition, or removed by an operator) and came back at `epoch`, as SWIM refutes a
   * suspicion: it keeps its view and gossips its new life, also to its former members.
   */
  | { readonly type: 'refuted'; readonly epoch: number; readonly incarnation: number };
