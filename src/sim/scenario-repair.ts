import { getEagerPeers } from '../broadcast/core/queries.js';
import { PlumtreeCluster } from './plumtree-cluster.js';

/**
 * The cluster benchmark's `kill` phase in simulated time: full membership, every
 * broadcast from `n0` every `intervalMs`, the node's own core defaults (not the
 * tuned options of the round scenarios), loopback-like latency and a failure
 * detector as fast as a channel's. At `killAtMs` the root's eager child with the
 * largest subtree crashes. Measured: how much later than before the kill each
 * survivor gets each later message. A real run of it is noisy and costs a minute;
 * this one is exact and replays a seed that goes wrong.
 */
export interface RepairTiming {
  readonly intervalMs: number;
  readonly killAtMs: number;
  /** Broadcasts stop this long after the kill. */
  readonly streamAfterKillMs: number;
  /** Time after the last broadcast for lazy ticks and grafts to deliver everything. */
  readonly drainMs: number;
  readonly latencyMs: { readonly min: number; readonly max: number };
  /** When survivors learn of the crash (a channel sees a killed peer's socket close). */
  readonly downDetectionMs: number;
}

/** The benchmark's figures: 4 ms apart, kill 1 s in, 0.1-0.6 ms links, down in 15 ms. */
export const defaultRepairTiming: RepairTiming = Object.freeze({
  intervalMs: 4,
  killAtMs: 1000,
  streamAfterKillMs: 1000,
  drainMs: 3000,
  latencyMs: Object.freeze({ min: 0.1, max: 0.6 }),
  downDetectionMs: 15,
});

/** What the `repair` scenario measured. */
export interface RepairResult {
  readonly scenario: 'repair';
  readonly nodes: number;
  readonly seed: string;
  readonly timing: RepairTiming;
  readonly victim: string;
  /** Median delivery delay over the messages sent before the kill, all survivors. */
  readonly baselineMs: number;
  /** Worst delay of a message sent after the kill, less `baselineMs`. */
  readonly maxExtraMs: number;
  /** Deliveries of post-kill messages more than 100 ms late, per survivor. */
  readonly late100ByNode: Readonly<Record<string, number>>;
  readonly late100: number;
  /** Every survivor got every message by the end of the drain. */
  readonly allDelivered: boolean;
}

/** The step the run polls deliveries at: fine against 0.1-0.6 ms links, cheap at N ≤ 32. */
const STEP_MS = 0.25;

/** Runs the `repair` scenario on `nodes` nodes with `seed`: same arguments, same result. */
export function runRepair(
  nodes: number,
  seed: number | bigint,
  timing: RepairTiming = defaultRepairTiming,
): RepairResult {
  const c = new PlumtreeCluster({
    size: nodes,
    seed,
    latency: timing.latencyMs,
    downDetectionMs: timing.downDetectionMs,
  });
  const root = 'n0';
  const sentAt = new Map<string, number>();
  const pending = new Map<string, Set<string>>(c.names().map((n) => [n, new Set<string>()]));
  const delays = new Map<string, Array<{ at: number; delay: number }>>();
  let victim = '';
  const stopAt = timing.killAtMs + timing.streamAfterKillMs;
  let nextSend = 0;
  const endAt = stopAt + timing.drainMs;
  while (c.now < endAt) {
    if (c.now >= nextSend && nextSend < stopAt) {
      const id = c.broadcast(root, nextSend);
      sentAt.set(id, c.now);
      for (const [n, ids] of pending) if (n !== root) ids.add(id);
      nextSend += timing.intervalMs;
    }
    if (victim === '' && c.now >= timing.killAtMs) {
      victim = largestSubtreeChild(c, root);
      c.crash(victim);
      pending.delete(victim);
      delays.delete(victim);
    }
    c.runFor(STEP_MS);
    for (const [n, ids] of pending) {
      if (ids.size === 0) continue;
      const h = c.handlerOf(n);
      let list = delays.get(n);
      if (list === undefined) {
        list = [];
        delays.set(n, list);
      }
      for (const id of ids) {
        if (!h.has(id)) continue;
        ids.delete(id);
        const at = sentAt.get(id) as number;
        list.push({ at, delay: c.now - at });
      }
    }
  }
  const before: number[] = [];
  for (const list of delays.values())
    for (const d of list) if (d.at < timing.killAtMs) before.push(d.delay);
  before.sort((a, b) => a - b);
  const baselineMs = before[Math.floor(before.length / 2)] ?? 0;
  let maxExtraMs = 0;
  const late100ByNode: Record<string, number> = {};
  let late100 = 0;
  for (const [n, list] of delays) {
    let late = 0;
    for (const d of list) {
      if (d.at < timing.killAtMs) continue;
      maxExtraMs = Math.max(maxExtraMs, d.delay - baselineMs);
      if (d.delay - baselineMs > 100) late++;
    }
    late100ByNode[n] = late;
    late100 += late;
  }
  const allDelivered = [...pending.values()].every((ids) => ids.size === 0);
  return {
    scenario: 'repair',
    nodes,
    seed: String(seed),
    timing,
    victim,
    baselineMs: round2(baselineMs),
    maxExtraMs: round2(maxExtraMs),
    late100ByNode,
    late100,
    allDelivered,
  };
}

/** The root's eager child whose subtree (followed through eager links) is largest. */
function largestSubtreeChild(c: PlumtreeCluster, root: string): string {
  let best = '';
  let bestSize = -1;
  for (const child of getEagerPeers(c.node(root).state, root)) {
    const seen = new Set([root, child]);
    const queue = [child];
    while (queue.length > 0) {
      const n = queue.pop() as string;
      for (const p of getEagerPeers(c.node(n).state, root)) {
        if (seen.has(p)) continue;
        seen.add(p);
        queue.push(p);
      }
    }
    if (seen.size - 1 > bestSize) {
      bestSize = seen.size - 1;
      best = child;
    }
  }
  return best;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
