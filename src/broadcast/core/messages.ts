/**
 * Wire messages exchanged between broadcast servers.
 *
 * Every message names its sender in `from`; `round` counts hops from the root of
 * the tree (0 on the links leaving the root) and `root` names the node that
 * originated the broadcast, because each root has its own spanning tree.
 */

/** A node's name, unique in the cluster. */
export type NodeName = string;

/** The name of a broadcast handler; the same handler must be registered on every node. */
export type HandlerName = string;

/**
 * A message id chosen by the handler's `broadcastData`. It crosses the wire, so it
 * must survive the codec; the core compares ids through {@link messageKey}.
 */
export type MessageId = unknown;

/**
 * What a lazy push announces: one message of one handler in the tree of `root`,
 * at the `round` the receiver would see it with. Outstanding entries and the
 * entries of a batched `i_have` have this shape.
 */
export interface Announcement {
  readonly id: MessageId;
  readonly handler: HandlerName;
  readonly round: number;
  readonly root: NodeName;
}

/** Eager push of a payload along the tree of `root`. */
export interface BroadcastMessage {
  readonly type: 'broadcast';
  readonly id: MessageId;
  readonly payload: unknown;
  readonly handler: HandlerName;
  readonly round: number;
  readonly root: NodeName;
  readonly from: NodeName;
  /**
   * The root whose tree `root`'s tree was copied from (the `nearest` new-root
   * seed): a node without a tree for `root` copies that one. Absent otherwise.
   */
  readonly seed?: NodeName;
}

/** "I got that payload twice: stop pushing eagerly to me in the tree of `root`." */
export interface PruneMessage {
  readonly type: 'prune';
  readonly root: NodeName;
  readonly from: NodeName;
}

/**
 * Lazy push: one message per peer per lazy tick carrying many announcements (the
 * reference sends one message per announcement).
 */
export interface IHaveMessage {
  readonly type: 'i_have';
  readonly entries: readonly Announcement[];
  readonly from: NodeName;
}

/**
 * "I already have these": acknowledges announcements so the sender stops repeating
 * them. Batched like `i_have`: one message answers the stale entries of one received
 * `i_have` (the reference sends one per announcement; a single-announcement message
 * on the wire is read as a batch of one).
 */
export interface IgnoredIHaveMessage {
  readonly type: 'ignored_i_have';
  readonly entries: readonly Announcement[];
  readonly from: NodeName;
}

/**
 * "I am missing it, send me the payload and push eagerly to me in the tree of `root`."
 *
 * `linkOnly` grafts come from the tree optimisation: the sender already has the
 * payload and only asks for the link to become eager. The receiver must not answer
 * with the payload, or the duplicate would prune the link straight back.
 */
export interface GraftMessage extends Announcement {
  readonly type: 'graft';
  readonly from: NodeName;
  readonly linkOnly: boolean;
}

/** Every message a broadcast server sends to another. */
export type WireMessage =
  | BroadcastMessage
  | PruneMessage
  | IHaveMessage
  | IgnoredIHaveMessage
  | GraftMessage;

/** The `type` tags of {@link WireMessage}, e.g. for per-type metrics. */
export type WireMessageType = WireMessage['type'];
