import type { PlumtreeOptions } from '../broadcast/core/index.js';
import { type HyParViewOptions, knownPeersOf } from '../peer-service/core/index.js';
import type { Rng } from '../util/rng.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { fastRng } from './fast-rng.js';
import { type FloodGraph, FloodModel } from './flood-model.js';
import { internedMessageKey } from './interned-message-key.js';
import { type LatencyRange, SimNetwork } from './network.js';
import type { OverlayMessage } from './overlay-messages.js';
import {
  OverlayNode,
  type OverlayPhases,
  overlayPlumtreeHost,
  sharedBroadcastMetrics,
} from './overlay-node.js';

/** How to build an {@link OverlayCluster}. */
export interface OverlayClusterConfig {
  /** Number of nodes, named `n0` (the bootstrap node) to `n{size-1}`. */
  readonly size: number;
  /** Seeds every random choice of the run: same seed, same run. */
  readonly seed: number | bigint;
  /** Link latency range in ms, one value per pair. Default 10..100, as the reference simulator. */
  readonly latency?: LatencyRange;
  readonly membership?: Partial<HyParViewOptions>;
  readonly plumtree?: Partial<PlumtreeOptions>;
  /** Whether handlers run the pull exchange. Default false. */
  readonly exchange?: boolean;
  /** Failure detection delay in ms (see `OverlayNodeConfig.detectionMs`). Default 1000. */
  readonly detectionMs?: number;
  /** ms between two nodes' joins during bootstrap. Default 5. */
  readonly joinStaggerMs?: number;
  /** Whom a joiner contacts: `n0` (`bootstrap`, default) or a random earlier joiner. */
  readonly contacts?: 'bootstrap' | 'random';
  /** ms from an exchange starting to its handle ending. Default 200. */
  readonly exchangeDurationMs?: number;
}

/**
 * n overlay nodes on one {@link SimNetwork}: HyParView below, Plumtree and the
 * flooding baseline above, each with a {@link DeliveryTracker}. Scenarios script
 * it: bootstrap, broadcasts, crashes, and simulated time.
 */
export class OverlayCluster {
  readonly net: SimNetwork<OverlayMessage>;
  readonly plumtreeTracker = new DeliveryTracker();
  readonly floodTracker = new DeliveryTracker();
  /** Every node, by index (a restarted node replaces its former self). */
  readonly nodes: OverlayNode[] = [];
  /** Randomness left for the scenario (senders, crash victims). */
  readonly rng: Rng;
  private readonly byName = new Map<string, OverlayNode>();
  private readonly detectionMs: number;
  private readonly joinStaggerMs: number;
  private readonly exchangeDurationMs: number;
  private readonly phases: OverlayPhases[] = [];
  private readonly host: ReturnType<typeof overlayPlumtreeHost>;
  private readonly config: OverlayClusterConfig;
  private readonly derive: () => Rng;
  private readonly messageKey = internedMessageKey();
  /** The broadcast metrics of every node, summed: nothing reads them per node here. */
  readonly metrics = sharedBroadcastMetrics();

  constructor(config: OverlayClusterConfig) {
    const master = fastRng(config.seed);
    const derive = (): Rng => fastRng(Math.floor(master.next() * 2 ** 53));
    this.net = new SimNetwork<OverlayMessage>({
      rng: derive(),
      latency: config.latency ?? { min: 10, max: 100 },
      pairLatency: 'hash',
    });
    this.rng = derive();
    this.detectionMs = config.detectionMs ?? 1000;
    this.joinStaggerMs = config.joinStaggerMs ?? 5;
    this.exchangeDurationMs = config.exchangeDurationMs ?? 200;
    this.host = overlayPlumtreeHost(this.net);
    this.config = config;
    this.derive = derive;
    for (let i = 0; i < config.size; i++) {
      const node = this.makeNode(`n${i}`, undefined);
      this.nodes.push(node);
      this.byName.set(node.name, node);
      this.net.add(node);
      const o = node.plumtree.state.options;
      this.phases.push({
        lazyMs: master.next() * o.lazyTickPeriod,
        exchangeMs: master.next() * o.exchangeTickPeriod,
      });
    }
  }

  private makeNode(name: string, known: readonly string[] | undefined): OverlayNode {
    const config = this.config;
    return new OverlayNode({
      name,
      net: this.net,
      host: this.host,
      membership: config.membership ?? {},
      plumtree: { messageKey: this.messageKey, ...config.plumtree },
      membershipRng: this.derive(),
      plumtreeRng: this.derive(),
      plumtreeTracker: this.plumtreeTracker,
      floodTracker: this.floodTracker,
      exchange: config.exchange ?? false,
      ...(known !== undefined ? { known } : {}),
      detectionMs: this.detectionMs,
      metrics: this.metrics,
    });
  }

  /**
   * Restarts crashed node `name` as a new process that kept its saved views (what
   * the production shell writes to the data dir): its HyParView core starts with
   * them as known peers, and its Plumtree timers start at once.
   */
  restart(name: string): OverlayNode {
    const old = this.node(name);
    if (old.live()) throw new RangeError(`${name} is running`);
    const index = this.nodes.indexOf(old);
    const node = this.makeNode(
      name,
      knownPeersOf(old.membership).map((p) => p.name),
    );
    this.nodes[index] = node;
    this.byName.set(name, node);
    this.net.add(node);
    node.startMembership();
    node.startBroadcast(this.phases[index] as OverlayPhases, this.exchangeDurationMs);
    return node;
  }

  /** Simulated time in ms. */
  get now(): number {
    return this.net.now;
  }

  /** The node named `name`. */
  node(name: string): OverlayNode {
    const n = this.byName.get(name);
    if (n === undefined) throw new RangeError(`no node named ${name}`);
    return n;
  }

  /** Live nodes, in index order. */
  live(): OverlayNode[] {
    return this.nodes.filter((n) => n.live());
  }

  /** Names of the live nodes. */
  liveNames(): Set<string> {
    const out = new Set<string>();
    for (const n of this.nodes) if (n.live()) out.add(n.name);
    return out;
  }

  /**
   * Every node but the bootstrap node `n0` joins through `n0`, one every
   * `joinStaggerMs`, as the reference simulator does; then the overlay settles for
   * `settleMs` with shuffles and promotions running. A node's HyParView ticks
   * start when it joins; Plumtree's lazy and exchange ticks start once the overlay
   * has settled, when the application starts broadcasting (before that they would
   * have nothing to announce, and at 10,000 nodes they are most of the events).
   */
  bootstrap(settleMs: number): void {
    const start = this.now;
    // Its own generator, so that choosing contacts leaves every other draw of the run as it was.
    const contactRng = fastRng(BigInt.asUintN(64, BigInt(this.config.seed) ^ 0x636f6e74n));
    const random = this.config.contacts === 'random';
    this.nodes.forEach((node, i) => {
      this.net.at(start + Math.max(0, i - 1) * this.joinStaggerMs, () => {
        node.startMembership();
        if (i === 0) return;
        // A random contact spreads concurrent joins over the overlay: through n0 alone,
        // joins faster than a random walk land next to each other and chain it.
        node.join(random ? `n${Math.floor(contactRng.next() * i)}` : 'n0');
      });
    });
    this.runFor(Math.max(0, this.nodes.length - 2) * this.joinStaggerMs + settleMs);
    this.nodes.forEach((node, i) => {
      node.startBroadcast(this.phases[i] as OverlayPhases, this.exchangeDurationMs);
    });
  }

  /**
   * Crashes `names` at once. Their live neighbours (and nodes with a request out to
   * them) notice after the detection delay, as a channel's failure detector would.
   */
  crash(names: Iterable<string>): void {
    const victims = [...names];
    for (const v of victims) this.net.crash(v);
    this.net.after(this.detectionMs, () => {
      for (const node of this.live()) {
        const m = node.membership;
        for (const v of victims) if (m.active.has(v) || m.pending.has(v)) node.peerDown(v);
      }
    });
  }

  /** Runs the network for `ms` of simulated time. */
  runFor(ms: number): void {
    this.net.runFor(ms);
  }

  /** Flood messages counted by {@link floodModel} floods: they never go on the network. */
  modelledFloodSends = 0;

  /**
   * The flooding baseline over the overlay as it is now, computed rather than
   * simulated (see {@link FloodModel}): `flood(sender, horizonMs)` floods a new
   * message from `sender` now, as `sender.floodBroadcast` would, and records in
   * {@link floodTracker} what the simulated flood would have by `now + horizonMs`.
   */
  floodModel(): {
    flood(sender: OverlayNode, horizonMs: number, tracker?: DeliveryTracker): string;
  } {
    const index = new Map<string, number>();
    this.nodes.forEach((node, i) => {
      index.set(node.name, i);
    });
    const neighbours: number[][] = [];
    const latencies: number[][] = [];
    for (const node of this.nodes) {
      const ns: number[] = [];
      const ls: number[] = [];
      for (const peer of node.membership.active.keys()) {
        const j = index.get(peer);
        // A peer that is no node of the cluster cannot receive; it still costs a send
        // (-2: never the origin's "no sender", -1).
        ns.push(j ?? -2);
        ls.push(j === undefined ? 0 : this.net.latencyBetween(node.name, peer));
      }
      neighbours.push(ns);
      latencies.push(ls);
    }
    const graph: FloodGraph = {
      names: this.nodes.map((n) => n.name),
      alive: this.nodes.map((n) => n.live()),
      neighbours,
      latencies,
    };
    const model = new FloodModel(graph);
    return {
      flood: (sender, horizonMs, tracker = this.floodTracker) => {
        if (!sender.live()) return '';
        const id = sender.flood.newId();
        const origin = index.get(sender.name) as number;
        const { sends } = model.flood(id, origin, this.now, this.now + horizonMs, tracker);
        this.modelledFloodSends += sends;
        return id;
      },
    };
  }
}
