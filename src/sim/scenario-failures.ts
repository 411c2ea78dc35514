import { pickOne, shuffled } from '../util/rng.js';
import type { DeliveryTracker } from './delivery-tracker.js';
import { liveComponents } from './overlay-analysis.js';
import type { OverlayCluster } from './overlay-cluster.js';
import type { OverlayNode } from './overlay-node.js';
import {
  bootstrappedCluster,
  defaultScenarioSettings,
  type ScenarioSettings,
} from './scenario-settings.js';

/** Crash shares of the `failures` scenario, in percent of all nodes. */
export const defaultCrashPercents: readonly number[] = [10, 20, 40, 60, 80];

/** Timing of the `failures` scenario. */
export interface FailuresTiming {
  /** Rounds of one broadcast from a random node before the crash, so trees exist. */
  readonly warmupRounds: number;
  /** ms of ticks (failure detection, HyParView repair, lazy pushes, exchanges) between the crash round and the measurement "once healed". */
  readonly healMs: number;
}

/** The documented timing: 10 warm-up rounds, 120 s to heal. */
export const defaultFailuresTiming: FailuresTiming = Object.freeze({
  warmupRounds: 10,
  healMs: 120_000,
});

/** Who holds a message, measured against two populations. */
export interface Reliability {
  /** Live nodes holding it. */
  readonly delivered: number;
  /** Share of all live nodes holding it. */
  readonly ofLive: number;
  /** Share of the nodes of the largest connected component of the live overlay holding it. */
  readonly ofConnected: number;
}

/** One crash share, with or without the exchange. */
export interface FailureCase {
  readonly percent: number;
  readonly exchange: boolean;
  readonly crashed: number;
  readonly live: number;
  /** Size of the largest connected component of the live overlay once healed. */
  readonly connected: number;
  /** Components of the live overlay once healed (1 when nothing is cut off). */
  readonly components: number;
  /** The first broadcast after the crash, at the end of its round (before repair is done). */
  readonly first: Reliability;
  /** The same broadcast once healed: what lazy repair (and the exchange, when on) recovered. */
  readonly firstHealed: Reliability;
  /** A new broadcast once healed, at the end of its round. */
  readonly afterHeal: Reliability;
  /** The flooding baseline: the first broadcast after the crash, and one once healed. */
  readonly flood: { readonly first: Reliability; readonly afterHeal: Reliability };
}

/** The outcome of the `failures` scenario: deterministic for a seed. */
export interface FailuresResult {
  readonly scenario: 'failures';
  readonly nodes: number;
  readonly seed: string;
  readonly timing: FailuresTiming;
  readonly cases: readonly FailureCase[];
}

/**
 * For each crash share, with the exchange off and on (a fresh cluster each time,
 * same seed so the same overlay and the same victims): bootstrap, warm up, crash
 * that share of the nodes at once, broadcast from a live node (Plumtree and
 * flooding), measure at the end of the round; run `healMs`, measure that message
 * again, then broadcast once more and measure.
 */
export function runFailures(
  nodes: number,
  seed: number | bigint,
  settings: ScenarioSettings = defaultScenarioSettings,
  percents: readonly number[] = defaultCrashPercents,
  timing: FailuresTiming = defaultFailuresTiming,
): FailuresResult {
  const cases: FailureCase[] = [];
  for (const percent of percents) {
    for (const exchange of [false, true]) {
      cases.push(runCase(nodes, seed, settings, timing, percent, exchange));
    }
  }
  return { scenario: 'failures', nodes, seed: String(seed), timing, cases };
}

function runCase(
  nodes: number,
  seed: number | bigint,
  settings: ScenarioSettings,
  timing: FailuresTiming,
  percent: number,
  exchange: boolean,
): FailureCase {
  const cluster = bootstrappedCluster(nodes, seed, settings, exchange);
  for (let round = 0; round < timing.warmupRounds; round++) {
    const sender = pickOne(cluster.rng, cluster.nodes) as OverlayNode;
    sender.broadcast(`warmup ${round}`);
    cluster.runFor(settings.roundMs);
  }
  const crashed = Math.round((nodes * percent) / 100);
  const victims = shuffled(cluster.rng, cluster.nodes).slice(0, crashed);
  cluster.crash(victims.map((v) => v.name));

  const first = sendBoth(cluster, 'first after crash');
  cluster.runFor(settings.roundMs);
  const firstMeasured = {
    plumtree: reliability(cluster, cluster.plumtreeTracker, first.plumtree),
    flood: reliability(cluster, cluster.floodTracker, first.flood),
  };
  cluster.runFor(timing.healMs);
  const firstHealed = reliability(cluster, cluster.plumtreeTracker, first.plumtree);
  const after = sendBoth(cluster, 'after heal');
  cluster.runFor(settings.roundMs);
  const components = liveComponents(cluster);
  return {
    percent,
    exchange,
    crashed,
    live: nodes - crashed,
    connected: components[0]?.size ?? 0,
    components: components.length,
    first: firstMeasured.plumtree,
    firstHealed,
    afterHeal: reliability(cluster, cluster.plumtreeTracker, after.plumtree),
    flood: {
      first: firstMeasured.flood,
      afterHeal: reliability(cluster, cluster.floodTracker, after.flood),
    },
  };
}

/** One Plumtree broadcast and one flood from the same random live node. */
function sendBoth(cluster: OverlayCluster, payload: string): { plumtree: string; flood: string } {
  const sender = pickOne(cluster.rng, cluster.live()) as OverlayNode;
  return { plumtree: sender.broadcast(payload), flood: sender.floodBroadcast(payload) };
}

/** Reliability of `id` now, against all live nodes and the largest live component now. */
function reliability(cluster: OverlayCluster, tracker: DeliveryTracker, id: string): Reliability {
  const live = cluster.live();
  const connected = liveComponents(cluster)[0] ?? new Set<string>();
  let delivered = 0;
  let connectedDelivered = 0;
  for (const node of live) {
    if (!tracker.holds(node.name, id)) continue;
    delivered++;
    if (connected.has(node.name)) connectedDelivered++;
  }
  return {
    delivered,
    ofLive: live.length === 0 ? 1 : delivered / live.length,
    ofConnected: connected.size === 0 ? 1 : connectedDelivered / connected.size,
  };
}
