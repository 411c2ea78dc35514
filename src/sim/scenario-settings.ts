import type { PlumtreeOptions } from '../broadcast/core/index.js';
import type { HyParViewOptions } from '../peer-service/core/index.js';
import type { LatencyRange } from './network.js';
import { OverlayCluster } from './overlay-cluster.js';

/** Knobs shared by every scenario; {@link defaultScenarioSettings} are the documented runs. */
export interface ScenarioSettings {
  /** Link latency range, ms. */
  readonly latency: LatencyRange;
  /** ms between two joins during bootstrap; default {@link defaultJoinStaggerMs}. */
  readonly joinStaggerMs?: number;
  /**
   * Whom a joining node contacts at bootstrap: `bootstrap` (default), always `n0`, as
   * the reference simulator; `random`, a random node that joined before it, which
   * lets joins come much faster without chaining the overlay (see `OverlayCluster`).
   */
  readonly contacts?: 'bootstrap' | 'random';
  /** Rounds of a round scenario; default the scenario's own (30, 30, 5). */
  readonly rounds?: number;
  /** ms the overlay runs after the last join before the first round. */
  readonly settleMs: number;
  /** ms each round runs: long enough for lazy repair (tick + graft timeout) to finish. */
  readonly roundMs: number;
  /** Failure detection delay, ms. */
  readonly detectionMs: number;
  /** Whether the flooding baseline runs beside Plumtree. */
  readonly flood: boolean;
  readonly membership: Partial<HyParViewOptions>;
  readonly plumtree: Partial<PlumtreeOptions>;
}

/**
 * The settings of the documented runs. Latency 10-100 ms and one bootstrap node are
 * the reference simulator's; HyParView and Plumtree run with their defaults except
 * where `docs/simulation.md` explains a measured choice.
 */
export const defaultScenarioSettings: ScenarioSettings = Object.freeze({
  latency: Object.freeze({ min: 10, max: 100 }),
  settleMs: 20_000,
  roundMs: 3_000,
  detectionMs: 1_000,
  flood: true,
  membership: Object.freeze({}),
  plumtree: Object.freeze({
    optimizationThreshold: 0,
    newRootSeed: 'nearest' as const,
    announceShorterPaths: true,
    repairOnLeave: true,
  }),
});

/**
 * The join interval used when the settings give none. What shapes the overlay is
 * the join rate against the time a join's random walks take (6 hops of 10-100 ms):
 * joins faster than that land next to the previous joiners and the overlay becomes
 * a long chain (eccentricity 25 at 1,000 nodes with 5 ms, 190 at 10,000 with
 * 20 ms); 100 ms gives eccentricity 7 at 1,000 nodes. Above 2,000 nodes 50 ms
 * (eccentricity 10 at 10,000) keeps the bootstrap, 8 simulated minutes, within the
 * time budget of the 10,000-node run.
 */
export function defaultJoinStaggerMs(nodes: number): number {
  return nodes > 2000 ? 50 : 100;
}

/** A cluster built from `settings`, every node joined and the overlay settled. */
export function bootstrappedCluster(
  nodes: number,
  seed: number | bigint,
  settings: ScenarioSettings,
  exchange = false,
): OverlayCluster {
  const cluster = new OverlayCluster({
    size: nodes,
    seed,
    latency: settings.latency,
    membership: settings.membership,
    plumtree: settings.plumtree,
    detectionMs: settings.detectionMs,
    joinStaggerMs: settings.joinStaggerMs ?? defaultJoinStaggerMs(nodes),
    contacts: settings.contacts ?? 'bootstrap',
    exchange,
  });
  cluster.bootstrap(settings.settleMs);
  return cluster;
}
