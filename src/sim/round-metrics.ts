import type { DeliveryTracker } from './delivery-tracker.js';

/** The reference simulator's per-round figures, for one protocol. */
export interface RoundMetrics {
  /** Broadcasts in the round. */
  readonly messages: number;
  /**
   * Relative message redundancy, m / (n − 1) − 1 summed over the round's messages:
   * m = payload copies received, n = nodes holding the message (origin included).
   * 0 is a perfect spanning tree.
   */
  readonly rmr: number;
  /** Last delivery hop: the most hops any delivery of the round took. */
  readonly ldh: number;
  /** Live nodes (origin excluded) that did not deliver, summed over the round's messages. */
  readonly missed: number;
  /** ms from the round's first broadcast to its last delivery. */
  readonly durationMs: number;
  /** Payload copies received (m), summed over the messages. */
  readonly payloads: number;
}

/**
 * The figures of one round made of the broadcasts `ids`, where `live` are the nodes
 * expected to deliver. RMR aggregates the round (Σm / Σ(n − 1) − 1), so a round of
 * many messages is not dominated by small ones.
 */
export function roundMetrics(
  tracker: DeliveryTracker,
  ids: readonly string[],
  live: ReadonlySet<string>,
): RoundMetrics {
  let payloads = 0;
  let reachedOthers = 0;
  let ldh = 0;
  let missed = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const id of ids) {
    const m = tracker.get(id);
    if (m === undefined) continue;
    payloads += m.payloadsReceived;
    reachedOthers += m.holders.size;
    if (m.sentAt < start) start = m.sentAt;
    if (m.sentAt > end) end = m.sentAt;
    if (m.lastDeliveryAt > end) end = m.lastDeliveryAt;
    if (m.maxPushHops > ldh) ldh = m.maxPushHops;
    let liveDelivered = 0;
    for (const node of m.holders) if (live.has(node)) liveDelivered++;
    missed += live.size - (live.has(m.origin) ? 1 : 0) - liveDelivered;
  }
  return {
    messages: ids.length,
    rmr: reachedOthers > 0 ? payloads / reachedOthers - 1 : 0,
    ldh,
    missed,
    durationMs: ids.length > 0 ? end - start : 0,
    payloads,
  };
}

/** Field-by-field means over rounds (zeros for no rounds). */
export function meanMetrics(rounds: readonly RoundMetrics[]): RoundMetrics {
  const n = rounds.length;
  const mean = (f: (r: RoundMetrics) => number): number =>
    n === 0 ? 0 : rounds.reduce((s, r) => s + f(r), 0) / n;
  return {
    messages: mean((r) => r.messages),
    rmr: mean((r) => r.rmr),
    ldh: mean((r) => r.ldh),
    missed: mean((r) => r.missed),
    durationMs: mean((r) => r.durationMs),
    payloads: mean((r) => r.payloads),
  };
}
