import { pickOne } from '../util/rng.js';
import { type OverlayReport, overlayReport } from './overlay-analysis.js';
import type { OverlayCluster } from './overlay-cluster.js';
import { meanMetrics, type RoundMetrics, roundMetrics } from './round-metrics.js';
import {
  bootstrappedCluster,
  defaultScenarioSettings,
  type ScenarioSettings,
} from './scenario-settings.js';

/** The reference simulator's broadcast scenarios. */
export type RoundScenario = 'single' | 'random' | 'burst';

/** Rounds and senders per round of each {@link RoundScenario}. */
export const roundScenarioShape: Readonly<
  Record<RoundScenario, { readonly rounds: number; readonly senders: string }>
> = {
  single: { rounds: 30, senders: 'one message per round, always from the same node' },
  random: { rounds: 30, senders: 'one message per round from a random node' },
  burst: { rounds: 5, senders: 'every node sends one message per round' },
};

/** Per-round figures of one protocol and their means. */
export interface ProtocolRounds {
  readonly rounds: readonly RoundMetrics[];
  readonly mean: RoundMetrics;
}

/** The outcome of one {@link RoundScenario} run: deterministic for a seed. */
export interface RoundsResult {
  readonly scenario: RoundScenario;
  readonly nodes: number;
  readonly seed: string;
  /** The overlay after bootstrap, before round 1. */
  readonly overlay: OverlayReport;
  readonly plumtree: ProtocolRounds;
  /** The flooding baseline over the same overlay, same rounds; absent when switched off. */
  readonly flood?: ProtocolRounds;
  /** Simulated time at the end, ms. */
  readonly simulatedMs: number;
  /** Messages put on the simulated network, all layers, plus the modelled flood's. */
  readonly networkSends: number;
}

/**
 * Runs `scenario` on `nodes` nodes: bootstrap through one node, settle, then the
 * scenario's rounds; each round broadcasts with Plumtree and, from the same
 * senders at the same instant, with the flooding baseline, then runs
 * `settings.roundMs` before measuring.
 */
export function runRoundScenario(
  scenario: RoundScenario,
  nodes: number,
  seed: number | bigint,
  settings: ScenarioSettings = defaultScenarioSettings,
): RoundsResult {
  const cluster = bootstrappedCluster(nodes, seed, settings);
  const overlay = overlayReport(cluster);
  const fixedSender = pickOne(cluster.rng, cluster.nodes);
  const plumtreeRounds: RoundMetrics[] = [];
  const floodRounds: RoundMetrics[] = [];
  const rounds = settings.rounds ?? roundScenarioShape[scenario].rounds;
  for (let round = 0; round < rounds; round++) {
    const senders = sendersOf(scenario, cluster, fixedSender);
    const plumtreeIds: string[] = [];
    const floodIds: string[] = [];
    // Computed rather than simulated: the same figures, without ~20 million flood
    // messages in a 1,000-node burst (see `FloodModel`).
    const flood = settings.flood ? cluster.floodModel() : undefined;
    for (const sender of senders) {
      plumtreeIds.push(sender.broadcast(round));
      if (flood !== undefined) floodIds.push(flood.flood(sender, settings.roundMs));
    }
    cluster.runFor(settings.roundMs);
    const live = cluster.liveNames();
    plumtreeRounds.push(roundMetrics(cluster.plumtreeTracker, plumtreeIds, live));
    if (settings.flood) floodRounds.push(roundMetrics(cluster.floodTracker, floodIds, live));
  }
  return {
    scenario,
    nodes,
    seed: String(seed),
    overlay,
    plumtree: { rounds: plumtreeRounds, mean: meanMetrics(plumtreeRounds) },
    ...(settings.flood ? { flood: { rounds: floodRounds, mean: meanMetrics(floodRounds) } } : {}),
    simulatedMs: cluster.now,
    networkSends: cluster.net.stats.sent + cluster.modelledFloodSends,
  };
}

function sendersOf(
  scenario: RoundScenario,
  cluster: OverlayCluster,
  fixed: OverlayCluster['nodes'][number] | undefined,
): OverlayCluster['nodes'][number][] {
  switch (scenario) {
    case 'single':
      return fixed === undefined ? [] : [fixed];
    case 'random': {
      const sender = pickOne(cluster.rng, cluster.nodes);
      return sender === undefined ? [] : [sender];
    }
    case 'burst':
      return cluster.live();
    default: {
      const never: never = scenario;
      throw new Error(`unknown scenario ${String(never)}`);
    }
  }
}
