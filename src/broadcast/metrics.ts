/**
 * The broadcast server's metrics. Every series a label can take is bound at start, so
 * a scrape shows it at 0 before it first happens (a node that only sends still has
 * `plumtree_messages_received_total{type="broadcast"} 0`), and counting on the hot
 * path is a field increment rather than a label lookup.
 */

import type { BoundCounter, Counter, Gauge, MetricsRegistry } from '../metrics/registry.js';
import type { MetricEvent, OutstandingEvictionReason, WireMessageType } from './core/index.js';

/** Why the broadcast server dropped something (the `reason` label of the dropped counter). */
export type DropReason =
  | 'unknown_handler'
  | 'malformed'
  | 'send_failed'
  | 'unknown_message'
  /** Shed at the door while the server's inbox was over its bound. */
  | 'overloaded';

// Records over the unions, so adding a wire type or a reason without a series fails to compile.
const WIRE_TYPES: Readonly<Record<WireMessageType, true>> = {
  broadcast: true,
  prune: true,
  i_have: true,
  ignored_i_have: true,
  graft: true,
};
const DROP_REASONS: Readonly<Record<DropReason, true>> = {
  unknown_handler: true,
  malformed: true,
  send_failed: true,
  unknown_message: true,
  overloaded: true,
};

const EVICTION_REASONS: Readonly<Record<OutstandingEvictionReason, true>> = {
  down: true,
  farBehind: true,
};

/** Every wire message type, as the `type` label of the sent and received counters. */
export const WIRE_MESSAGE_TYPES = Object.keys(WIRE_TYPES) as WireMessageType[];
/** Every drop reason, as the `reason` label of the dropped counter. */
export const DROP_REASON_VALUES = Object.keys(DROP_REASONS) as DropReason[];

/** Every reason the outstanding cap drops entries for, as the `reason` label of its counter. */
export const OUTSTANDING_EVICTION_REASONS = Object.keys(
  EVICTION_REASONS,
) as OutstandingEvictionReason[];

/** The metric names the broadcast server exports. */
export const BroadcastMetricNames = {
  sent: 'plumtree_messages_sent_total',
  received: 'plumtree_messages_received_total',
  delivered: 'plumtree_delivered_total',
  duplicates: 'plumtree_duplicates_total',
  dropped: 'plumtree_broadcast_dropped_total',
  outstandingEvicted: 'plumtree_outstanding_evicted_total',
  missingEvicted: 'plumtree_missing_evicted_total',
  treeOptimized: 'plumtree_tree_optimized_total',
  outstanding: 'plumtree_outstanding',
  members: 'plumtree_members',
  exchanges: 'plumtree_exchanges',
} as const;

function bindAll<V extends string>(
  counter: Counter,
  label: string,
  values: readonly V[],
): Map<string, BoundCounter> {
  return new Map(values.map((v) => [v, counter.bind({ [label]: v })]));
}

/** Increments the bound series of `value`, or (for a value not known at start) looks it up. */
function incLabelled(
  bound: ReadonlyMap<string, BoundCounter>,
  counter: Counter,
  label: string,
  value: string,
): void {
  const series = bound.get(value);
  if (series) series.inc();
  else counter.inc({ [label]: value });
}

/** The broadcast server's counters and gauges in one registry. */
export class BroadcastMetrics {
  private readonly sentCounter: Counter;
  private readonly receivedCounter: Counter;
  private readonly deliveredCounter: Counter;
  private readonly duplicatesCounter: Counter;
  private readonly droppedCounter: Counter;
  private readonly sentByType: Map<string, BoundCounter>;
  private readonly receivedByType: Map<string, BoundCounter>;
  private readonly deliveredByHandler: Map<string, BoundCounter>;
  private readonly duplicatesByHandler: Map<string, BoundCounter>;
  private readonly droppedByReason: Map<string, BoundCounter>;
  private readonly outstandingEvictedCounter: Counter;
  private readonly outstandingEvictedByReason: ReadonlyMap<string, BoundCounter>;
  private readonly missingEvicted: BoundCounter;
  private readonly treeOptimized: BoundCounter;
  private readonly outstandingGauge: Gauge;
  private readonly membersGauge: Gauge;
  private readonly exchangesGauge: Gauge;

  /** Registers every series of the server of `handlers` in `registry`, at 0. */
  constructor(registry: MetricsRegistry, handlers: readonly string[]) {
    const n = BroadcastMetricNames;
    this.sentCounter = registry.counter(n.sent, 'Broadcast-server messages sent, by type');
    this.receivedCounter = registry.counter(
      n.received,
      'Broadcast-server messages received, by type',
    );
    this.deliveredCounter = registry.counter(n.delivered, 'Payloads merged as new, by handler');
    this.duplicatesCounter = registry.counter(
      n.duplicates,
      'Payloads merged as not new, by handler',
    );
    this.droppedCounter = registry.counter(
      n.dropped,
      'Broadcast-server messages dropped, by reason',
    );
    this.sentByType = bindAll(this.sentCounter, 'type', WIRE_MESSAGE_TYPES);
    this.receivedByType = bindAll(this.receivedCounter, 'type', WIRE_MESSAGE_TYPES);
    this.deliveredByHandler = bindAll(this.deliveredCounter, 'handler', handlers);
    this.duplicatesByHandler = bindAll(this.duplicatesCounter, 'handler', handlers);
    this.droppedByReason = bindAll(this.droppedCounter, 'reason', DROP_REASON_VALUES);
    this.outstandingEvictedCounter = registry.counter(
      n.outstandingEvicted,
      'Outstanding announcements dropped by the per-peer cap, by reason (peer down, or far behind)',
    );
    this.outstandingEvictedByReason = bindAll(
      this.outstandingEvictedCounter,
      'reason',
      OUTSTANDING_EVICTION_REASONS,
    );
    this.missingEvicted = registry
      .counter(
        n.missingEvicted,
        'Missing-message records (announcers of a payload not received) evicted to bound memory',
      )
      .bind();
    this.treeOptimized = registry
      .counter(n.treeOptimized, 'Eager links swapped for shorter ones by the tree optimisation')
      .bind();
    this.outstandingGauge = registry.gauge(n.outstanding, 'Outstanding lazy announcements');
    this.membersGauge = registry.gauge(n.members, "Members in the broadcast server's view");
    this.exchangesGauge = registry.gauge(n.exchanges, 'Running exchanges');
    this.outstandingGauge.set(0);
    this.membersGauge.set(0);
    this.exchangesGauge.set(0);
  }

  /** One message of `type` handed to the transport. */
  sent(type: WireMessageType): void {
    incLabelled(this.sentByType, this.sentCounter, 'type', type);
  }

  /** One well-formed message of `type` arrived. */
  received(type: WireMessageType): void {
    incLabelled(this.receivedByType, this.receivedCounter, 'type', type);
  }

  /** One message or broadcast dropped for `reason`. */
  dropped(reason: DropReason): void {
    incLabelled(this.droppedByReason, this.droppedCounter, 'reason', reason);
  }

  /**
   * Counts one metric event of the core. False for a kind this build does not know
   * (only possible at runtime from an untyped caller), for the caller to report.
   */
  record(metric: MetricEvent): boolean {
    switch (metric.kind) {
      case 'delivered':
        incLabelled(this.deliveredByHandler, this.deliveredCounter, 'handler', metric.handler);
        return true;
      case 'duplicate':
        incLabelled(this.duplicatesByHandler, this.duplicatesCounter, 'handler', metric.handler);
        return true;
      case 'outstandingEvicted':
        incLabelled(
          this.outstandingEvictedByReason,
          this.outstandingEvictedCounter,
          'reason',
          metric.reason,
        );
        return true;
      case 'unknownHandlerDropped':
        this.dropped('unknown_handler');
        return true;
      case 'missingEvicted':
        this.missingEvicted.inc();
        return true;
      case 'treeOptimized':
        this.treeOptimized.inc();
        return true;
      default:
        // A new kind must get a series here: the `never` makes forgetting it a compile error.
        return unknownKind(metric);
    }
  }

  /** Sets the gauges from the core's state after a step. */
  gauges(outstanding: number, members: number, exchanges: number): void {
    this.outstandingGauge.set(outstanding);
    this.membersGauge.set(members);
    this.exchangesGauge.set(exchanges);
  }
}

function unknownKind(_metric: never): false {
  return false;
}
