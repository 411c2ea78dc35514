import { messageKey, type WireMessage, type WireMessageType } from '../broadcast/core/index.js';
import type { SendInfo } from './network.js';
import type { PlumtreeObserver } from './plumtree-node.js';

/** What happened to one broadcast message across the cluster. */
export interface MessageRecord {
  readonly origin: string;
  readonly handler: string;
  readonly id: unknown;
  readonly sentAt: number;
  /** Payload-carrying sends (`broadcast` messages) of this message, grafts' answers included. */
  payloadSends: number;
  /** Nodes that merged it as new: hops (round + 1) and time. */
  readonly deliveries: Map<string, { readonly hops: number; readonly time: number }>;
}

/** Paper metrics of one message. */
export interface MessageSummary {
  /** Nodes holding it: deliveries plus the origin. */
  readonly reached: number;
  readonly payloadSends: number;
  /** Relative message redundancy: payloadSends / (reached − 1) − 1; 0 is a perfect tree. */
  readonly rmr: number;
  /** Last delivery hop: the longest path, in hops, any delivery took. */
  readonly ldh: number;
  /** ms from the broadcast to the last delivery. */
  readonly lastDeliveryMs: number;
}

/**
 * Counts messages by type and follows each broadcast: plug `onSend` into the
 * network and the object itself in as every node's observer.
 */
export class BroadcastStats implements PlumtreeObserver {
  /** Sends by wire message type. */
  readonly sentByType = new Map<WireMessageType, number>();
  /** Every broadcast recorded, by message key. */
  readonly messages = new Map<string, MessageRecord>();

  /** Network hook: counts a send. */
  readonly onSend = (send: SendInfo<WireMessage>): void => {
    const { msg } = send;
    this.sentByType.set(msg.type, (this.sentByType.get(msg.type) ?? 0) + 1);
    if (msg.type !== 'broadcast') return;
    const record = this.messages.get(messageKey(msg.handler, msg.id));
    if (record !== undefined) record.payloadSends++;
  };

  /** Starts following a message broadcast by `origin` at `time`. */
  broadcastStarted(origin: string, handler: string, id: unknown, time: number): void {
    this.messages.set(messageKey(handler, id), {
      origin,
      handler,
      id,
      sentAt: time,
      payloadSends: 0,
      deliveries: new Map(),
    });
  }

  delivered(node: string, handler: string, id: unknown, round: number, time: number): void {
    const record = this.messages.get(messageKey(handler, id));
    record?.deliveries.set(node, { hops: round + 1, time });
  }

  /** The record of one message. */
  record(handler: string, id: unknown): MessageRecord | undefined {
    return this.messages.get(messageKey(handler, id));
  }

  /** Sends of one wire message type so far. */
  sent(type: WireMessageType): number {
    return this.sentByType.get(type) ?? 0;
  }

  /** Paper metrics of one message (undefined if it was never recorded). */
  summary(handler: string, id: unknown): MessageSummary | undefined {
    const r = this.record(handler, id);
    if (r === undefined) return undefined;
    return summarize(r);
  }
}

/** RMR, LDH and latency of one record. */
export function summarize(r: MessageRecord): MessageSummary {
  const reached = r.deliveries.size + 1;
  let ldh = 0;
  let last = r.sentAt;
  for (const d of r.deliveries.values()) {
    if (d.hops > ldh) ldh = d.hops;
    if (d.time > last) last = d.time;
  }
  const rmr = reached > 1 ? r.payloadSends / (reached - 1) - 1 : 0;
  return { reached, payloadSends: r.payloadSends, rmr, ldh, lastDeliveryMs: last - r.sentAt };
}
