/**
 * What the HyParView core needs of a peer descriptor: a unique name. Anything else
 * (a full NodeSpec with addresses, or a bare `{ name }` in a simulator) travels
 * untouched in messages, so whoever receives a descriptor can dial it.
 */
export interface PeerRef {
  readonly name: string;
}

/** Priority of a `neighbor` request: `high` must be accepted (the sender has no active peer). */
export type NeighborPriority = 'high' | 'low';

/**
 * HyParView wire messages. Descriptors named `peer` describe the sender; the core
 * ignores a message whose `peer` names someone other than the authenticated sender.
 */
export type HyParViewMessage<P extends PeerRef = PeerRef> =
  /** The sender joins through the receiver, which must add it to its active view. */
  | { readonly type: 'join'; readonly peer: P }
  /** A random walk introducing the joiner `peer`; accepted where `ttl` reaches 0. */
  | { readonly type: 'forwardJoin'; readonly peer: P; readonly ttl: number }
  /** The sender asks to enter the receiver's active view. */
  | { readonly type: 'neighbor'; readonly peer: P; readonly priority: NeighborPriority }
  /** The sender has added the receiver to its active view. */
  | { readonly type: 'neighborAccepted'; readonly peer: P }
  /** The sender declines a `neighbor` request (it keeps the requester as passive). */
  | { readonly type: 'neighborRejected'; readonly peer: P }
  /** The sender dropped the receiver from its active view. */
  | { readonly type: 'disconnect'; readonly peer: P }
  /** A random walk carrying a sample of `origin`'s views. */
  | {
      readonly type: 'shuffle';
      readonly origin: P;
      readonly ttl: number;
      readonly id: number;
      readonly entries: readonly P[];
    }
  /** Sent straight to the shuffle's originator (not back along the walk). */
  | {
      readonly type: 'shuffleReply';
      readonly peer: P;
      readonly id: number;
      readonly entries: readonly P[];
    };

/**
 * Timers the HyParView core arms and cancels itself through `setTimer` and
 * `cancelTimer` effects. A shell keeps at most one timer per key (compare keys by
 * `type`) and feeds `{ type: 'timer', key }` back when one fires.
 */
export type HyParViewTimer =
  /** Every `shuffleInterval`: one shuffle walk from this node. */
  | { readonly type: 'shuffle' }
  /** Every `promotionInterval`: refill the active view, retry lost peers, age requests. */
  | { readonly type: 'promotion' }
  /** Armed while the node has no active peer and no request out: join again, with backoff. */
  | { readonly type: 'rejoin' };

/** Inputs of {@link stepHyParView}. */
export type HyParViewEvent<P extends PeerRef = PeerRef> =
  /**
   * The node starts: arms the shuffle and promotion timers (at a random phase, so
   * nodes do not tick in lockstep). `known` are peers remembered from an earlier run
   * (the views saved in the data dir): they become contacts and passive entries, and
   * the node joins through one of them at once.
   */
  | { readonly type: 'start'; readonly known?: readonly P[] }
  /** Join the overlay through `contact` (an operator or seed-list action); `contact` is remembered for rejoins. */
  | { readonly type: 'join'; readonly contact: P }
  /** A message from the authenticated peer named `from`, already validated (see `parseHyParViewMessage`). */
  | { readonly type: 'receive'; readonly from: string; readonly msg: HyParViewMessage<P> }
  /**
   * The connection to `peer` failed or a send to it could not be delivered. Shells
   * report this for active peers and for peers a request was sent to.
   */
  | { readonly type: 'peerDown'; readonly peer: string }
  /** A timer armed by a `setTimer` effect fired. */
  | { readonly type: 'timer'; readonly key: HyParViewTimer }
  /**
   * This node leaves the overlay: every active peer is told (`disconnect`), both
   * views, lost peers and contacts are emptied, and the node does not rejoin by itself.
   */
  | { readonly type: 'leave' };

/** Outputs of {@link stepHyParView}, to be carried out in order. */
export type HyParViewEffect<P extends PeerRef = PeerRef> =
  /** Deliver `msg` to `to`, opening a short-lived connection when `to` is not active. */
  | { readonly type: 'send'; readonly to: P; readonly msg: HyParViewMessage<P> }
  /** `peer` entered the active view: keep a connection to it and watch it. */
  | { readonly type: 'connect'; readonly peer: P }
  /** `peer` left the active view: close its connection once earlier sends are flushed, stop reconnecting. */
  | { readonly type: 'disconnect'; readonly peer: string }
  /** The active view after this step (sorted names, self excluded): the broadcast layer's peers. */
  | { readonly type: 'activeViewChanged'; readonly active: readonly string[] }
  /** Arm timer `key` to fire in `delayMs`, replacing one already armed under that key. */
  | { readonly type: 'setTimer'; readonly key: HyParViewTimer; readonly delayMs: number }
  /** Disarm timer `key` if armed; a late `timer` event for it is harmless. */
  | { readonly type: 'cancelTimer'; readonly key: HyParViewTimer };
