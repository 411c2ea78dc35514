import { HolderSet, NameIndex } from './holder-set.js';

/** How a node came to hold a message. */
export type DeliveryPath = 'push' | 'exchange';

/** One node's delivery of a tracked message. */
export interface Delivery {
  /** Hops from the origin (1 for the origin's neighbours); 0 for an exchange delivery. */
  readonly hops: number;
  /** Simulated time of the delivery, in ms. */
  readonly time: number;
  readonly via: DeliveryPath;
}

/**
 * What happened to one broadcast across the cluster: who delivered it and the
 * aggregates the round figures need, not every delivery's record. A burst of
 * 1,000 nodes tracks 5,000 messages of each protocol, ten million deliveries:
 * one record each was most of the simulator's heap (and of its time, in GC).
 */
export interface TrackedMessage {
  readonly id: string;
  readonly origin: string;
  readonly sentAt: number;
  /** Payload-carrying messages that arrived at some node, duplicates included. */
  payloadsReceived: number;
  /** Nodes that delivered it (the origin excluded), first delivery only. */
  readonly holders: HolderSet;
  /** Most hops of a delivery by push (0 when none). */
  maxPushHops: number;
  /** Time of the latest first delivery (`-Infinity` when none). */
  lastDeliveryAt: number;
}

/**
 * Follows broadcasts of one protocol (Plumtree, or the flooding baseline): who
 * delivered each message, the latest delivery, the most hops, and how many
 * payload copies arrived in all. Protocol-agnostic: the nodes report to it.
 */
export class DeliveryTracker {
  /** Every tracked message, by id, in the order they were broadcast. */
  readonly messages = new Map<string, TrackedMessage>();
  private readonly names = new NameIndex();

  /** `origin` broadcasts `id` at `time`. */
  started(id: string, origin: string, time: number): void {
    this.messages.set(id, {
      id,
      origin,
      sentAt: time,
      payloadsReceived: 0,
      holders: new HolderSet(this.names),
      maxPushHops: 0,
      lastDeliveryAt: Number.NEGATIVE_INFINITY,
    });
  }

  /** A payload copy of `id` arrived somewhere (new or duplicate). */
  received(id: string): void {
    const m = this.messages.get(id);
    if (m !== undefined) m.payloadsReceived++;
  }

  /** `node` delivered `id`; only the first delivery per node counts. */
  delivered(node: string, id: string, delivery: Delivery): void {
    const m = this.messages.get(id);
    if (m === undefined || node === m.origin || !m.holders.add(node)) return;
    if (delivery.via === 'push' && delivery.hops > m.maxPushHops) m.maxPushHops = delivery.hops;
    if (delivery.time > m.lastDeliveryAt) m.lastDeliveryAt = delivery.time;
  }

  /** The record of `id`. */
  get(id: string): TrackedMessage | undefined {
    return this.messages.get(id);
  }

  /** Whether `node` holds `id` (its origin does). */
  holds(node: string, id: string): boolean {
    const m = this.messages.get(id);
    return m !== undefined && (m.origin === node || m.holders.has(node));
  }
}
