import type { DeliveryTracker } from './delivery-tracker.js';

/** What a {@link Flooder} needs from the node it runs on. */
export interface FloodHost {
  readonly name: string;
  /** Simulated time in ms. */
  now(): number;
  /** The node's current neighbours (its HyParView active view). */
  neighbours(): Iterable<string>;
  /** Sends one flood message to `to`. */
  sendFlood(to: string, id: string, payload: unknown, hops: number): void;
}

/**
 * The baseline Plumtree is measured against: eager-push flooding over the same
 * overlay. A node forwards a message it sees for the first time to its whole
 * active view except the neighbour it came from, and drops copies it has seen.
 */
export class Flooder {
  private readonly seen = new Set<string>();
  private nextSeq = 0;

  constructor(
    private readonly host: FloodHost,
    private readonly tracker: DeliveryTracker,
  ) {}

  /** Floods a new message from this node; returns its id. */
  broadcast(payload: unknown): string {
    const id = this.newId();
    this.seen.add(id);
    this.tracker.started(id, this.host.name, this.host.now());
    this.forward(id, payload, 1, undefined);
    return id;
  }

  /** The id of this node's next flood (also for one computed by `FloodModel` instead). */
  newId(): string {
    return `${this.host.name}:f${this.nextSeq++}`;
  }

  /** A flood message from neighbour `from`, `hops` away from its origin. */
  receive(from: string, id: string, payload: unknown, hops: number): void {
    this.tracker.received(id);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.tracker.delivered(this.host.name, id, { hops, time: this.host.now(), via: 'push' });
    this.forward(id, payload, hops + 1, from);
  }

  /** Whether this node has seen `id`. */
  has(id: string): boolean {
    return this.seen.has(id);
  }

  private forward(id: string, payload: unknown, hops: number, from: string | undefined): void {
    for (const peer of this.host.neighbours()) {
      if (peer !== from) this.host.sendFlood(peer, id, payload, hops);
    }
  }
}
