import type {
  CancelExchangeEffect,
  ExchangeStartEffect,
  GraftEffect,
  HandlerName,
  IsStaleEffect,
  MergeEffect,
  MetricEvent,
  WireMessage,
} from '../broadcast/core/index.js';
import type { MembershipStateData, NodeSpec } from '../peer-service/core/index.js';
import type { MembershipWireMessage } from './events.js';
import type { NodeTimer } from './timers.js';

/** A call into a broadcast handler; its answer comes back as a `handlerAnswer` event. */
export type HandlerCall = MergeEffect | IsStaleEffect | GraftEffect | ExchangeStartEffect;

/** Everything the composed core asks its host to do, in order. */
export type NodeCoreEffect =
  /**
   * Send on the membership channel. `dial` is the peer's spec when known, so a host
   * can open a short-lived connection to a peer it is not connected to; a failure is
   * reported back as `sendFailed`.
   */
  | {
      readonly type: 'send';
      readonly channel: 'membership';
      readonly to: string;
      readonly dial: NodeSpec | undefined;
      readonly msg: MembershipWireMessage;
    }
  /** Send over the broadcast handler's channel; dropped by the host if not connected. */
  | {
      readonly type: 'send';
      readonly channel: 'broadcast';
      readonly handler: HandlerName | undefined;
      readonly to: string;
      readonly msg: WireMessage;
    }
  /** Keep a connection to `peer` (and keep re-dialling it) until `disconnect`. */
  | { readonly type: 'connect'; readonly peer: NodeSpec }
  /** Close the connection to `peer` after flushing earlier sends; stop re-dialling. */
  | { readonly type: 'disconnect'; readonly peer: string }
  /** Arm (or re-arm) a timer; when it fires, feed `{ type: 'timer', timer }`. */
  | { readonly type: 'setTimer'; readonly timer: NodeTimer; readonly delayMs: number }
  /** Disarm a timer if armed; a late firing of a cancelled timer is harmless. */
  | { readonly type: 'cancelTimer'; readonly timer: NodeTimer }
  /** Call a handler; feed the answer back as `handlerAnswer`. */
  | { readonly type: 'handlerCall'; readonly call: HandlerCall }
  /** Kill a running exchange's handle (already gone from the state). */
  | { readonly type: 'cancelExchange'; readonly effect: CancelExchangeEffect }
  /** The peer service's view changed (what production publishes to its subscribers). */
  | { readonly type: 'viewChanged'; readonly members: readonly string[] }
  /** Save the membership (full membership only): the data dir's membership file. */
  | { readonly type: 'persist'; readonly snapshot: MembershipStateData }
  /** Save the peers this node knows (HyParView only): the data dir's views file. */
  | { readonly type: 'persistPeers'; readonly peers: readonly NodeSpec[] }
  /** A metric to count. */
  | { readonly type: 'metric'; readonly metric: MetricEvent }
  /** Something the operator should see, tagged with the layer it came from. */
  | {
      readonly type: 'log';
      readonly layer: 'membership' | 'plumtree';
      readonly level: 'info' | 'warn' | 'error';
      readonly message: string;
      readonly error?: unknown;
    };
