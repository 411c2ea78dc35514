import type {
  ExchangeEndedEvent,
  ExchangeResultEvent,
  GraftResultEvent,
  HandlerName,
  IsStaleFailedEvent,
  IsStaleResultEvent,
  MergeFailedEvent,
  MergeResultEvent,
  MessageId,
  WireMessage,
} from '../broadcast/core/index.js';
import type { HyParViewMessage, MembershipMessage, NodeSpec } from '../peer-service/core/index.js';
import type { NodeTimer } from './timers.js';

/**
 * A message as it arrives on the wire, tagged by the channel it came on: the
 * membership channel carries the peer service's protocol, every other channel
 * carries Plumtree's.
 */
export type NodeEnvelope =
  | { readonly layer: 'membership'; readonly msg: MembershipWireMessage }
  | { readonly layer: 'broadcast'; readonly msg: WireMessage };

/** What travels on the membership channel, by overlay. */
export type MembershipWireMessage = MembershipMessage | HyParViewMessage<NodeSpec>;

/** What a handler answered, fed back to the Plumtree layer with the effect's token. */
export type HandlerAnswerEvent =
  | MergeResultEvent
  | MergeFailedEvent
  | IsStaleResultEvent
  | IsStaleFailedEvent
  | GraftResultEvent
  | ExchangeResultEvent
  | ExchangeEndedEvent;

/** Everything fed to the composed core's `step`. */
export type NodeCoreEvent =
  /** A message from the authenticated peer `from`. */
  | { readonly type: 'receive'; readonly from: string; readonly envelope: NodeEnvelope }
  /** The channel layer established a connection to `peer`. */
  | { readonly type: 'channelUp'; readonly peer: string }
  /** The connection to `peer` closed or its pings timed out. */
  | { readonly type: 'channelDown'; readonly peer: string }
  /** A membership send to `peer` could not be delivered (no connection could be opened). */
  | { readonly type: 'sendFailed'; readonly peer: string }
  /** A timer armed by a `setTimer` effect fired. */
  | { readonly type: 'timer'; readonly timer: NodeTimer }
  /** A local broadcast: the host already called `broadcastData` and passes its answer. */
  | {
      readonly type: 'broadcast';
      readonly handler: HandlerName;
      readonly id: MessageId;
      readonly payload: unknown;
    }
  /** `broadcastData` threw: nothing is sent. */
  | { readonly type: 'broadcastDataFailed'; readonly handler: HandlerName; readonly error: unknown }
  /** Join the cluster through `contact` (the host has dialled it and knows its spec). */
  | { readonly type: 'join'; readonly contact: NodeSpec }
  /** This node leaves the cluster. */
  | { readonly type: 'leave' }
  /** Remove another member (full membership only; HyParView has no cluster-wide view). */
  | { readonly type: 'remove'; readonly name: string }
  /** A handler answered a call the core asked for. */
  | { readonly type: 'handlerAnswer'; readonly answer: HandlerAnswerEvent };
