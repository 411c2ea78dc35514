import {
  createPlumtreeState,
  type InitialSets,
  type PlumtreeOptions,
  type WireMessage,
} from '../broadcast/core/index.js';
import { type Rng, seededRng } from '../util/rng.js';
import { BroadcastStats } from './broadcast-stats.js';
import type { FaultModel, LatencyRange } from './network.js';
import { SimNetwork } from './network.js';
import { PlumtreeSimNode } from './plumtree-node.js';
import { SetHandler } from './set-handler.js';

/** How to build a simulated plumtree cluster. */
export interface PlumtreeClusterConfig {
  /** Node names; default `n0`..`n{size-1}`. */
  readonly names?: readonly string[];
  /** Number of nodes when `names` is not given. */
  readonly size?: number;
  /** Seeds every random choice of the run: same seed, same run. */
  readonly seed: number | bigint;
  /** Link latency range in ms. Default 1..10. */
  readonly latency?: LatencyRange;
  readonly faults?: FaultModel<WireMessage>;
  /** Per-message transmission time in ms; makes each link a FIFO queue (see `SimNetwork`). */
  readonly transmissionMs?: (msg: WireMessage) => number;
  /** Core options for every node. */
  readonly options?: Partial<PlumtreeOptions>;
  /** Name of the one {@link SetHandler} each node runs. Default `'set'`. */
  readonly handlerName?: string;
  /**
   * The members a node starts with; default every name. A partial-view overlay
   * (HyParView) passes the node's neighbours here.
   */
  readonly membersOf?: (name: string) => readonly string[];
  /** Explicit initial sets per node; default the `initialSets` option. */
  readonly initialSetsOf?: (name: string) => InitialSets | undefined;
  /**
   * ms after a crash at which the other live nodes get `peerDown` for it, like a
   * failure detector. Default 1000; `null` never reports it.
   */
  readonly downDetectionMs?: number | null;
  /**
   * Whether each node runs its own lazy and exchange ticks (at a random phase).
   * Default true; false leaves ticking to the scenario (`tick`), e.g. to make a
   * lazy announcement race the eager copy on purpose.
   */
  readonly autoTicks?: boolean;
  /**
   * Whether the set handlers run anti-entropy: an exchange with a peer is a
   * push-pull of both sets, taking one round trip of that link (done directly
   * between the two handlers, so it costs no network message). Default false
   * (exchanges are ignored).
   */
  readonly antiEntropy?: boolean;
}

/** Thrown for a node name the cluster does not know. */
export class UnknownNodeError extends Error {
  override readonly name = 'UnknownNodeError';
  constructor(readonly node: string) {
    super(`no node named ${node}`);
  }
}

/**
 * A cluster of plumtree cores, each with one {@link SetHandler}, on a
 * {@link SimNetwork}; with helpers for the usual scenario steps and a
 * {@link BroadcastStats} that follows every broadcast.
 */
export class PlumtreeCluster {
  readonly net: SimNetwork<WireMessage>;
  readonly stats = new BroadcastStats();
  readonly handlerName: string;
  /** Whether exchanges run anti-entropy now (see the config); a scenario may switch it. */
  antiEntropy: boolean;
  private readonly nodes = new Map<string, PlumtreeSimNode>();
  private readonly master: Rng;
  private readonly config: PlumtreeClusterConfig;

  constructor(config: PlumtreeClusterConfig) {
    this.config = config;
    this.master = seededRng(config.seed);
    this.handlerName = config.handlerName ?? 'set';
    this.antiEntropy = config.antiEntropy === true;
    const names = config.names ?? Array.from({ length: config.size ?? 0 }, (_, i) => `n${i}`);
    this.net = new SimNetwork<WireMessage>({
      rng: this.derive(),
      ...(config.latency === undefined ? {} : { latency: config.latency }),
      ...(config.faults === undefined ? {} : { faults: config.faults }),
      ...(config.transmissionMs === undefined ? {} : { transmissionMs: config.transmissionMs }),
      onSend: this.stats.onSend,
    });
    for (const name of names) this.spawn(name, config.membersOf?.(name) ?? names);
  }

  /** Simulated time in ms. */
  get now(): number {
    return this.net.now;
  }

  /** Every node ever started, crashed ones included. */
  names(): string[] {
    return [...this.nodes.keys()];
  }

  /** Live nodes. */
  alive(): string[] {
    return this.names().filter((n) => this.net.isAlive(n));
  }

  /** The simulated node `name`. @throws {UnknownNodeError} */
  node(name: string): PlumtreeSimNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new UnknownNodeError(name);
    return n;
  }

  /** The set handler of node `name`. */
  handlerOf(name: string): SetHandler {
    return this.node(name).handler(this.handlerName) as SetHandler;
  }

  /** Broadcasts `message` from `from`; returns the id and starts following the message. */
  broadcast(from: string, message: unknown = null): string {
    return this.node(from).broadcast(this.handlerName, message) as string;
  }

  /** Crashes `name`; the others hear `peerDown` after `downDetectionMs`. */
  crash(name: string): void {
    this.node(name);
    this.net.crash(name);
    const delay = this.config.downDetectionMs === undefined ? 1000 : this.config.downDetectionMs;
    if (delay === null) return;
    this.net.after(delay, () => {
      for (const other of this.alive()) this.node(other).feed({ type: 'peerDown', peer: name });
    });
  }

  /**
   * Starts a new node `name` knowing `members` (default: the live nodes) and tells
   * every live node the new membership, as a peer service would.
   */
  join(name: string, members: readonly string[] = this.alive()): void {
    const all = [...new Set([...members, name])];
    this.spawn(name, all);
    for (const other of this.alive()) {
      if (other !== name) this.update(other, [...this.node(other).state.allMembers, name]);
    }
  }

  /** Feeds `update(members)` to node `name`. */
  update(name: string, members: readonly string[]): void {
    this.node(name).feed({ type: 'update', members });
  }

  /** Fires `name`'s lazy tick (or exchange tick) now, as if its timer were due. */
  tick(name: string, kind: 'lazyTick' | 'exchangeTick' = 'lazyTick'): void {
    this.node(name).feed({ type: 'timer', key: { type: kind } });
  }

  /** Runs the network for `ms` of simulated time. */
  runFor(ms: number): void {
    this.net.runFor(ms);
  }

  /** Runs the network until simulated time `time`. */
  runUntil(time: number): void {
    this.net.runUntil(time);
  }

  private spawn(name: string, members: readonly string[]): void {
    const rng = this.derive();
    const sets = this.config.initialSetsOf?.(name);
    const state = createPlumtreeState({
      node: name,
      members,
      handlers: [this.handlerName],
      rng,
      ...(sets === undefined ? {} : { eagers: sets.eagers, lazys: sets.lazys }),
      ...(this.config.options === undefined ? {} : { options: this.config.options }),
    });
    const handler = new SetHandler(this.handlerName, name, (peer) =>
      this.antiEntropy ? this.exchange(name, peer) : 'ignore',
    );
    const node = new PlumtreeSimNode(name, state, [handler], this.net, this.stats);
    this.nodes.set(name, node);
    this.net.add(node);
    const lazyPhaseMs = this.master.next() * state.options.lazyTickPeriod;
    const exchangePhaseMs = this.master.next() * state.options.exchangeTickPeriod;
    if (this.config.autoTicks !== false) node.start({ lazyPhaseMs, exchangePhaseMs });
  }

  // A push-pull of both sets one round trip later, if both ends are still up then
  // and anti-entropy is still on.
  private exchange(name: string, peer: string): 'ok' {
    this.net.after(2 * this.net.latencyBetween(name, peer), () => {
      // Switched off meanwhile: the exchange is cancelled, as `cancelExchanges` would.
      if (!this.antiEntropy) return;
      if (!this.net.isAlive(name) || !this.net.isAlive(peer) || !this.nodes.has(peer)) return;
      const mine = this.handlerOf(name);
      const theirs = this.handlerOf(peer);
      for (const [id, payload] of [...theirs.store]) mine.merge(id, payload);
      for (const [id, payload] of [...mine.store]) theirs.merge(id, payload);
    });
    return 'ok';
  }

  private derive(): Rng {
    return seededRng(Math.floor(this.master.next() * 2 ** 53));
  }
}
