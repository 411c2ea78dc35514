/**
 * The simulated world: one clock, one seeded RNG, one event queue, the channel
 * layer, every node's disk, and the record the oracles judge. Everything that happens
 * is a queued action, run in time order (FIFO at equal times), so a seed replays
 * exactly.
 */
import type { WireMessage } from '../../broadcast/core/index.js';
import type { Dot, VersionVector } from '../../handlers/metadata/version-vector.js';
import type { MembershipWireMessage, NodeCoreConfig } from '../../node-core/index.js';
import type { NodeSpec } from '../../peer-service/core/index.js';
import type { Rng } from '../../util/rng.js';
import { EventQueue } from '../event-queue.js';
import { fastRng } from '../fast-rng.js';
import { type ChannelTiming, defaultChannelTiming } from './network-faults.js';
import { type ChannelEvent, SimChannels } from './sim-channels.js';
import { SimDisk } from './sim-disk.js';
import { type HandlerMutation, SimHost } from './sim-host.js';
import type { SimMetadataReplica } from './sim-metadata.js';
import { Trace } from './trace.js';

/** An acknowledged metadata write. */
export interface AckedWrite {
  readonly node: string;
  readonly time: number;
  readonly prefix: [string, string];
  readonly key: string;
  readonly dot: Dot;
  readonly clock: VersionVector;
  readonly superseded: readonly Dot[];
}

/** Settings of a world. */
export interface WorldConfig {
  readonly seed: number;
  readonly trace: boolean;
  readonly timing?: Partial<ChannelTiming>;
  /** Core settings shared by every node (overlay, options). */
  readonly core: Omit<
    NodeCoreConfig,
    'self' | 'now' | 'handlers' | 'restored' | 'plumtreeRng' | 'membershipRng' | 'seeds'
  >;
  /** Join seeds, by name, in order (the command line's `--join`). */
  readonly seeds: readonly string[];
  readonly antiEntropy: boolean;
  readonly fsyncMs?: number;
  readonly exchangeMs?: number;
  /** ms between two heartbeats of a node; 0 for none. */
  readonly heartbeatMs?: number;
  /** ms between two join attempts of a node that is still alone. */
  readonly joinRetryMs?: number;
  readonly mutate?: HandlerMutation;
}

/** A simulated cluster. */
export class World {
  now = 0;
  readonly rng: Rng;
  readonly trace: Trace;
  readonly channels: SimChannels;
  readonly hosts = new Map<string, SimHost>();
  readonly disks = new Map<string, SimDisk>();
  /** Names that left on purpose (or were removed while alive) and should not be in the cluster. */
  readonly outside = new Set<string>();
  /** Partition groups: nodes in different groups cannot talk. Empty: no partition. */
  readonly groups = new Map<string, number>();
  /** Probe broadcasts: id to origin and time. */
  readonly accepted = new Map<string, { node: string; time: number }>();
  /**
   * When a live node's view or one of its connections last changed: what Plumtree
   * sees as `update`, `peerUp` or `peerDown`. The trees oracle needs a round sent
   * after the last such change (see `finish` in the scenarios).
   */
  lastTopologyChange = 0;
  /** Merged-as-new counts per incarnation and id. */
  readonly mergedNewCount = new Map<string, number>();
  readonly acked: AckedWrite[] = [];
  readonly faults: { node: string; time: number; detail: string }[] = [];
  readonly drops = new Map<string, number>();
  private readonly queue = new EventQueue<() => void>();
  private incarnations = 0;
  private probeSeq = 0;

  constructor(readonly config: WorldConfig) {
    this.rng = fastRng(config.seed);
    this.trace = new Trace(config.trace);
    this.channels = new SimChannels(this.channelWorld(), {
      ...defaultChannelTiming,
      ...config.timing,
    });
  }

  // ---- clock ------------------------------------------------------------------------

  after(delayMs: number, action: () => void): void {
    this.queue.push(this.now + Math.max(0, delayMs), action);
  }

  /** Runs every action due up to `until` (inclusive), then sets the clock to it. */
  runUntil(until: number, budget = Number.POSITIVE_INFINITY): void {
    let n = 0;
    for (;;) {
      const t = this.queue.peekTime();
      if (t === undefined || t > until) break;
      this.now = t;
      (this.queue.pop() as () => void)();
      if (++n > budget) throw new Error(`event budget ${budget} exceeded at ${this.now} ms`);
    }
    this.now = until;
  }

  // ---- nodes ------------------------------------------------------------------------

  spec(name: string): NodeSpec {
    return { name, listenAddrs: [{ host: 'sim', port: 1 }], channels: {} };
  }

  /** Starts (or restarts from its disk) node `name`. */
  start(name: string): SimHost {
    const old = this.hosts.get(name);
    if (old?.alive) return old;
    let disk = this.disks.get(name);
    if (disk === undefined) {
      disk = new SimDisk();
      this.disks.set(name, disk);
    }
    const inc = ++this.incarnations;
    const c = this.config;
    const host = new SimHost(this.hostWorld(), {
      spec: this.spec(name),
      incarnation: inc,
      core: {
        ...c.core,
        plumtreeRng: fastRng(c.seed * 7919 + inc),
        membershipRng: fastRng(c.seed * 104729 + inc),
        seeds: c.seeds.map((s) => this.spec(s)),
      },
      disk,
      antiEntropy: c.antiEntropy,
      fsyncMs: c.fsyncMs ?? 20,
      exchangeMs: c.exchangeMs ?? 50,
      mutate: c.mutate,
    });
    host.onSynced = (writes) => {
      for (const w of writes) {
        this.acked.push({
          node: name,
          time: this.now,
          prefix: w.prefix as [string, string],
          key: w.key,
          dot: w.dot,
          clock: w.object.clock,
          superseded: w.superseded,
        });
        host.broadcast('metadata', { prefix: w.prefix, key: w.key, object: w.object });
      }
    };
    this.hosts.set(name, host);
    this.outside.delete(name);
    this.trace.add(this.now, name, `start (incarnation ${inc})`);
    this.scheduleJoin(host, 0);
    this.scheduleHeartbeat(host);
    return host;
  }

  /** Kills node `name` (kill -9): memory gone, un-synced log records lost. */
  crash(name: string): void {
    const host = this.hosts.get(name);
    if (!host?.alive) return;
    host.alive = false;
    this.disks.get(name)?.crash();
    this.channels.crashed(name);
    this.trace.add(this.now, name, 'crash');
  }

  /** Stops `name` from processing for `ms`; connections time out if that exceeds detection. */
  pause(name: string, ms: number): void {
    const host = this.hosts.get(name);
    if (!host?.alive || host.paused) return;
    host.paused = true;
    this.trace.add(this.now, name, `pause ${ms} ms`);
    const detect = this.channels.timing.detectionMs;
    if (ms > detect) {
      this.after(detect, () => {
        if (host.alive && host.paused) this.channels.timeOut((a, b) => a === name || b === name);
      });
    }
    this.after(ms, () => {
      if (!host.alive) return;
      this.trace.add(this.now, name, 'resume');
      host.resume();
    });
  }

  /** Splits the cluster: nodes of different groups cannot reach each other. */
  partition(groupOf: (name: string) => number): void {
    this.groups.clear();
    for (const name of this.disks.keys()) this.groups.set(name, groupOf(name));
    this.trace.add(
      this.now,
      '-',
      `partition ${[...this.groups].map(([n, g]) => `${n}:${g}`).join(' ')}`,
    );
    this.channels.timeOut((a, b) => this.group(a) !== this.group(b));
  }

  heal(): void {
    this.groups.clear();
    this.trace.add(this.now, '-', 'heal');
  }

  /** Live (started, not crashed) hosts. */
  live(): SimHost[] {
    return [...this.hosts.values()].filter((h) => h.alive);
  }

  /** Broadcasts a fresh probe id from `name`. */
  broadcastProbe(name: string): void {
    const host = this.hosts.get(name);
    if (!host?.alive) return;
    const id = `${name}:${++this.probeSeq}`;
    host.input(() => host.broadcast('probe', id));
  }

  /** A metadata put (value) or delete (undefined) at `name`. */
  write(name: string, key: string, value: unknown | undefined): void {
    const host = this.hosts.get(name);
    if (!host?.alive) return;
    host.input(() => host.write(['sim', 'kv'], key, value));
  }

  leave(name: string): void {
    const host = this.hosts.get(name);
    if (!host?.alive) return;
    this.outside.add(name);
    host.input(() => host.feed({ type: 'leave' }));
  }

  /** Joins again after a leave (same name). */
  rejoin(name: string): void {
    const host = this.hosts.get(name);
    if (!host?.alive) return;
    this.outside.delete(name);
    this.scheduleJoin(host, 0);
  }

  /** Member removal: `at` removes `name` (full membership). */
  remove(at: string, name: string): void {
    const host = this.hosts.get(at);
    if (!host?.alive) return;
    if (this.hosts.get(name)?.alive) this.outside.add(name);
    host.input(() => host.feed({ type: 'remove', name }));
  }

  // ---- internals --------------------------------------------------------------------

  private group(name: string): number {
    return this.groups.get(name) ?? 0;
  }

  reachable(a: string, b: string): boolean {
    const ha = this.hosts.get(a);
    const hb = this.hosts.get(b);
    return (
      ha !== undefined &&
      hb !== undefined &&
      ha.alive &&
      hb.alive &&
      !ha.paused &&
      !hb.paused &&
      this.group(a) === this.group(b)
    );
  }

  /** What the command line does: join a seed until the node is no longer alone. */
  private scheduleJoin(host: SimHost, delay: number): void {
    const retry = this.config.joinRetryMs ?? 3000;
    let attempt = 0;
    const tryJoin = () => {
      if (!host.alive || this.outside.has(host.name)) return;
      if (host.paused || host.view().length > 0) {
        this.after(retry, tryJoin);
        return;
      }
      const seeds = this.config.seeds.filter((s) => s !== host.name);
      const seed = seeds[attempt++ % Math.max(1, seeds.length)];
      if (seed === undefined) return;
      if (this.reachable(host.name, seed)) {
        this.trace.add(this.now, host.name, `join through ${seed}`);
        host.feed({ type: 'join', contact: this.spec(seed) });
      }
      this.after(retry, tryJoin);
    };
    this.after(delay, tryJoin);
  }

  private scheduleHeartbeat(host: SimHost): void {
    const every = this.config.heartbeatMs ?? 0;
    if (every <= 0) return;
    const beat = () => {
      if (!host.alive) return;
      host.input(() => host.beat());
      this.after(every, beat);
    };
    this.after(every * (0.5 + this.rng.next() / 2), beat);
  }

  private deliver(node: string, event: ChannelEvent): void {
    const host = this.hosts.get(node);
    if (!host?.alive) return;
    if (!this.trace.enabled) {
      // no trace text to build
    } else if (event.type === 'receive') {
      this.trace.add(
        this.now,
        node,
        `recv ${event.envelope.layer} ${describe(event.envelope.msg)} from ${event.from}`,
      );
    } else this.trace.add(this.now, node, `channel ${event.type} ${event.peer}`);
    host.input(() => host.channel(event));
  }

  private channelWorld() {
    // Aliased for the getters below: the channel layer reads live fields.
    const w = this;
    return {
      get now() {
        return w.now;
      },
      rng: w.rng,
      trace: w.trace,
      after: (d: number, a: () => void) => w.after(d, a),
      reachable: (a: string, b: string) => w.reachable(a, b),
      deliver: (node: string, e: ChannelEvent) => w.deliver(node, e),
      dropped: (reason: string) => w.drops.set(reason, (w.drops.get(reason) ?? 0) + 1),
    };
  }

  private hostWorld() {
    // Aliased for the getters below: hosts read the live clock.
    const w = this;
    return {
      get now() {
        return w.now;
      },
      after: (d: number, a: () => void) => w.after(d, a),
      sendMembership: (from: string, to: string, msg: unknown) =>
        w.channels.sendMembership(from, to, msg as MembershipWireMessage),
      sendBroadcast: (from: string, to: string, msg: WireMessage) =>
        w.channels.sendBroadcast(from, to, msg),
      connect: (from: string, peer: string) => w.channels.connect(from, peer),
      disconnect: (from: string, peer: string) => w.channels.disconnect(from, peer),
      fault: (node: string, detail: string) => {
        w.faults.push({ node, time: w.now, detail });
        w.trace.add(w.now, node, `FAULT ${detail}`);
      },
      trace: (node: string, text: () => string) => {
        if (w.trace.enabled) w.trace.add(w.now, node, text());
      },
      accepted: (node: string, id: string) => {
        if (!w.accepted.has(id)) w.accepted.set(id, { node, time: w.now });
        w.trace.add(w.now, node, `broadcast ${id}`);
      },
      topologyChanged: (_node: string, peer?: string) => {
        // A re-dial to a dead node fails every few hundred ms forever; no live tree uses it.
        if (peer !== undefined && w.hosts.get(peer)?.alive !== true) return;
        w.lastTopologyChange = w.now;
      },
      mergedNew: (node: string, id: string) => {
        const host = w.hosts.get(node);
        const key = `${host?.config.incarnation ?? 0}|${id}`;
        w.mergedNewCount.set(key, (w.mergedNewCount.get(key) ?? 0) + 1);
      },
      pushPull: (from: string, peer: string, mine: readonly string[]) => {
        if (!w.reachable(from, peer)) return undefined;
        return w.hosts.get(peer)?.probe.answerPush(mine);
      },
      peerReplica: (from: string, peer: string): SimMetadataReplica | undefined =>
        w.reachable(from, peer) ? w.hosts.get(peer)?.metadata : undefined,
    };
  }
}

function describe(msg: unknown): string {
  const m = msg as { type?: unknown; id?: unknown; root?: unknown };
  return `${String(m.type)}${m.id !== undefined ? ` ${JSON.stringify(m.id)}` : ''}${m.root !== undefined ? ` root=${String(m.root)}` : ''}`;
}
