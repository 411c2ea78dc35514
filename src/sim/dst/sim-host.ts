/**
 * One simulated node process: a composed node core and its real (or simulated, see
 * sim-metadata.ts) handlers, run through the production {@link EffectInterpreter}:
 * the broadcast server's own code calls the handlers, checks their answers against
 * the contract, keeps the Plumtree timers, watches exchanges and records metrics.
 * Only the membership layer's effects (connections, persistence, its sends) are
 * carried out here, as the peer-service shell would. Synchronous: sync handler
 * answers are stepped before the next event, as the server's step loop does.
 */

import type { PlumtreeEffect, PlumtreeEvent, WireMessageType } from '../../broadcast/core/index.js';
import { type EffectHost, EffectInterpreter } from '../../broadcast/effect-interpreter.js';
import type { BroadcastHandler } from '../../broadcast/handler.js';
import { BroadcastMetrics } from '../../broadcast/metrics.js';
import { createHeartbeatHandler, type HeartbeatHandler } from '../../handlers/heartbeat/index.js';
import { MetricsRegistry } from '../../metrics/registry.js';
import {
  createNodeCore,
  type NodeCoreConfig,
  type NodeCoreEffect,
  type NodeCoreEvent,
  type NodeCoreState,
  step,
  timerId,
  viewOf,
} from '../../node-core/index.js';
import type { NodeSpec } from '../../peer-service/core/index.js';
import { createProbeHandler, type ProbeHandler, type ProbeWorld } from './probe-handler.js';
import type { ChannelEvent } from './sim-channels.js';
import type { SimDisk } from './sim-disk.js';
import { type MetadataWorld, SimMetadataReplica } from './sim-metadata.js';

/** What a host needs of the world. */
export interface HostWorld extends ProbeWorld, MetadataWorld {
  readonly now: number;
  after(delayMs: number, action: () => void): void;
  sendMembership(from: string, to: string, msg: unknown): void;
  sendBroadcast(
    from: string,
    to: string,
    msg: import('../../broadcast/core/index.js').WireMessage,
  ): void;
  connect(from: string, peer: string): void;
  disconnect(from: string, peer: string): void;
  /** A core threw, a handler broke the host, or another fault a real node would crash on. */
  fault(node: string, detail: string): void;
  /** Adds a trace line; `text` is only built when tracing. */
  trace(node: string, text: () => string): void;
  /** A broadcast of the probe handler was accepted at `node`. */
  accepted(node: string, id: string): void;
  /**
   * What Plumtree sees of the topology changed at `node`: its view, or its
   * connection to `peer` went up or down.
   */
  topologyChanged(node: string, peer?: string): void;
}

/** A wrapper that makes a handler answer outside the contract (for the handler-answers scenario). */
export type HandlerMutation = (h: BroadcastHandler) => BroadcastHandler;

/** How to start one incarnation. */
export interface HostConfig {
  readonly spec: NodeSpec;
  readonly incarnation: number;
  readonly core: Omit<NodeCoreConfig, 'self' | 'now' | 'handlers' | 'restored' | 'knownPeers'>;
  readonly disk: SimDisk;
  readonly antiEntropy: boolean;
  /** ms between group-commit syncs of the metadata log. */
  readonly fsyncMs: number;
  /** ms an `{ ok }` exchange runs before it is reported ended. */
  readonly exchangeMs: number;
  readonly mutate?: HandlerMutation | undefined;
}

/** A running node. Dead once crashed: a restart makes a new host. */
export class SimHost {
  readonly name: string;
  readonly core: NodeCoreState;
  readonly probe: ProbeHandler;
  readonly metadata: SimMetadataReplica;
  readonly heartbeat: HeartbeatHandler;
  readonly handlers: Map<string, BroadcastHandler>;
  readonly sent = new Map<WireMessageType, number>();
  /** Counts of the core's metric effects by kind. */
  readonly metrics = new Map<string, number>();
  alive = true;
  paused = false;
  private readonly backlog: (() => void)[] = [];
  private readonly timers = new Map<string, number>();
  private timerSeq = 0;
  private readonly interpreter: EffectInterpreter;
  private syncArmed = false;
  private heartbeats = 0;

  constructor(
    private readonly world: HostWorld,
    readonly config: HostConfig,
  ) {
    this.name = config.spec.name;
    this.probe = createProbeHandler(this.name, config.disk, world, config.antiEntropy);
    this.metadata = new SimMetadataReplica(this.name, config.disk, world, () => world.now);
    this.heartbeat = createHeartbeatHandler(() => world.now);
    const mutate = config.mutate ?? ((h: BroadcastHandler) => h);
    this.handlers = new Map(
      [this.probe, this.metadata.handler(), this.heartbeat].map((h) => [
        h.name,
        mutate(h as BroadcastHandler),
      ]),
    );
    this.interpreter = new EffectInterpreter(this.effectHost(), [...this.handlers.values()]);
    const created = createNodeCore({
      ...config.core,
      self: config.spec,
      now: world.now,
      handlers: [...this.handlers.keys()],
      restored: config.disk.membership,
      knownPeers: config.disk.knownPeers,
    });
    this.core = created.state;
    this.carry(created.effects);
  }

  /** Runs `action` now, or when the node resumes if it is paused. */
  input(action: () => void): void {
    if (!this.alive) return;
    if (this.paused) this.backlog.push(action);
    else action();
  }

  /** Resumes a paused node: everything that arrived meanwhile is processed in order. */
  resume(): void {
    this.paused = false;
    const queued = this.backlog.splice(0);
    for (const action of queued) {
      if (!this.alive || this.paused) {
        this.backlog.push(action);
        continue;
      }
      action();
    }
  }

  /** Feeds a channel-layer event. */
  channel(event: ChannelEvent): void {
    switch (event.type) {
      case 'up':
        this.world.topologyChanged(this.name, event.peer);
        this.feed({ type: 'channelUp', peer: event.peer });
        return;
      case 'down':
        this.world.topologyChanged(this.name, event.peer);
        this.feed({ type: 'channelDown', peer: event.peer });
        return;
      case 'sendFailed':
        this.feed({ type: 'sendFailed', peer: event.peer });
        return;
      case 'receive':
        this.feed({ type: 'receive', from: event.from, envelope: event.envelope });
        return;
      default: {
        const never: never = event;
        this.world.fault(this.name, `unknown channel event ${JSON.stringify(never)}`);
      }
    }
  }

  /** Broadcasts through `handler` with the server's own code (`broadcastData`, its check, the core). */
  broadcast(handler: string, message: unknown): void {
    if (!this.alive || !this.handlers.has(handler)) return;
    this.interpreter.broadcast(handler, message);
  }

  /** Writes to the metadata store; acknowledged by the next sync. */
  write(prefix: [string, string], key: string, value: unknown | undefined): void {
    this.metadata.write(
      prefix,
      key,
      value === undefined ? { kind: 'tombstone' } : { kind: 'value', value },
    );
    this.armSync();
  }

  /** Called by the world after a sync: the acknowledged writes are broadcast. */
  onSynced: (writes: ReturnType<SimMetadataReplica['sync']>) => void = () => undefined;

  /** One heartbeat of the membership heartbeat backend. */
  beat(): void {
    this.broadcast('heartbeat', {
      node: this.name,
      epoch: this.config.incarnation,
      counter: this.heartbeats++,
    });
  }

  /** The peer service's view, self excluded. */
  view(): string[] {
    return viewOf(this.core);
  }

  /** Feeds one event to the core and carries out its effects. */
  feed(event: NodeCoreEvent): void {
    if (!this.alive) return;
    const effects = this.stepCore(event);
    if (effects !== undefined) this.carry(effects);
  }

  private stepCore(event: NodeCoreEvent): NodeCoreEffect[] | undefined {
    try {
      return step(this.core, event, this.world.now);
    } catch (error) {
      this.world.fault(this.name, `step threw on ${event.type}: ${String(error)}`);
      return undefined;
    }
  }

  /** Carries out a step's effects: the Plumtree layer's through the interpreter. */
  private carry(effects: readonly NodeCoreEffect[]): void {
    try {
      this.interpreter.carry(this.membershipEffects(effects));
    } catch (error) {
      this.world.fault(this.name, `the broadcast shell threw: ${String(error)}`);
    }
  }

  /**
   * Executes the membership layer's effects (and the core's logs) here and returns the
   * Plumtree layer's, in order, as the Plumtree core's own effects, for the interpreter.
   */
  private membershipEffects(effects: readonly NodeCoreEffect[]): PlumtreeEffect[] {
    const w = this.world;
    const plumtree: PlumtreeEffect[] = [];
    for (const e of effects) {
      switch (e.type) {
        case 'send':
          if (e.channel === 'membership') w.sendMembership(this.name, e.to, e.msg);
          else plumtree.push({ type: 'send', to: e.to, msg: e.msg });
          break;
        case 'connect':
          w.connect(this.name, e.peer.name);
          break;
        case 'disconnect':
          w.disconnect(this.name, e.peer);
          break;
        case 'setTimer':
          if (e.timer.layer === 'plumtree') {
            plumtree.push({ type: 'setTimer', key: e.timer.key, delayMs: e.delayMs });
          } else {
            const timer = e.timer;
            this.arm(timerId(timer), e.delayMs, () => this.feed({ type: 'timer', timer }));
          }
          break;
        case 'cancelTimer':
          if (e.timer.layer === 'plumtree')
            plumtree.push({ type: 'cancelTimer', key: e.timer.key });
          else this.timers.delete(timerId(e.timer));
          break;
        case 'handlerCall':
          plumtree.push(e.call);
          break;
        case 'cancelExchange':
          plumtree.push(e.effect);
          break;
        case 'viewChanged':
          w.topologyChanged(this.name);
          w.trace(this.name, () => `view ${e.members.join(',')}`);
          break;
        case 'persist':
          this.config.disk.membership = e.snapshot;
          break;
        case 'persistPeers':
          this.config.disk.knownPeers = e.peers;
          break;
        case 'metric':
          plumtree.push(e);
          break;
        case 'log':
          if (e.level === 'error' && e.message.includes('core threw')) {
            w.fault(this.name, `${e.message}: ${String(e.error)}`);
          } else w.trace(this.name, () => `${e.layer} ${e.level}: ${e.message}`);
          break;
        default: {
          const never: never = e;
          w.fault(this.name, `unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
    return plumtree;
  }

  /** The composed core event that carries a Plumtree-layer event the interpreter steps. */
  private nodeEvent(event: PlumtreeEvent): NodeCoreEvent | undefined {
    switch (event.type) {
      case 'localBroadcast':
        return { type: 'broadcast', handler: event.handler, id: event.id, payload: event.payload };
      case 'broadcastDataFailed':
        return { type: 'broadcastDataFailed', handler: event.handler, error: event.error };
      case 'timer':
        return { type: 'timer', timer: { layer: 'plumtree', key: event.key } };
      case 'mergeResult':
      case 'mergeFailed':
      case 'isStaleResult':
      case 'isStaleFailed':
      case 'graftResult':
      case 'exchangeResult':
      case 'exchangeEnded':
        return { type: 'handlerAnswer', answer: event };
      default:
        // Everything else reaches the composed core through its own events (receive, channels).
        return undefined;
    }
  }

  /** What the production interpreter needs of this host. */
  private effectHost(): EffectHost {
    const w = this.world;
    return {
      step: (event) => {
        const nodeEvent = this.nodeEvent(event);
        if (nodeEvent === undefined) {
          w.fault(
            this.name,
            `the interpreter stepped ${event.type}, which the node core takes otherwise`,
          );
          return [];
        }
        if (!this.alive) return [];
        const effects = this.stepCore(nodeEvent);
        return effects === undefined ? [] : this.membershipEffects(effects);
      },
      send: (to, _channel, msg) => {
        // One simulated link per pair: the channel only matters to real sockets.
        this.sent.set(msg.type, (this.sent.get(msg.type) ?? 0) + 1);
        w.sendBroadcast(this.name, to, msg);
      },
      timerId: (key) => timerId({ layer: 'plumtree', key }),
      setTimer: (id, delayMs) => this.arm(id, delayMs, () => this.interpreter.timerFired(id)),
      cancelTimer: (id) => this.timers.delete(id),
      deliverLater: (event) => this.input(() => this.interpreter.run(event)),
      acceptsPromises: false,
      // A simulated exchange runs for a fixed time; there is nothing to kill.
      watchExchange: (_handle, ended) => {
        w.after(this.config.exchangeMs, () => this.input(ended));
        return true;
      },
      cancelExchange: () => true,
      log: (entry) =>
        w.trace(
          this.name,
          () =>
            `plumtree ${entry.level}: ${entry.message}${entry.handler ? ` (${entry.handler})` : ''}`,
        ),
      metrics: new BroadcastMetrics(new MetricsRegistry(), [...this.handlers.keys()]),
      observer: {
        broadcastStarted: (handler, id) => {
          if (handler === 'probe') w.accepted(this.name, id as string);
        },
        merged: (effect, isNew) => {
          if (effect.handler === 'metadata' && isNew) this.armSync();
        },
        metric: (metric) => {
          this.metrics.set(metric.kind, (this.metrics.get(metric.kind) ?? 0) + 1);
        },
      },
    };
  }

  /** Arms timer `id` (re-arming replaces it); `fire` runs unless it was cancelled or re-armed since. */
  private arm(id: string, delayMs: number, fire: () => void): void {
    const seq = ++this.timerSeq;
    this.timers.set(id, seq);
    this.world.after(delayMs, () =>
      this.input(() => {
        if (this.timers.get(id) !== seq) return;
        this.timers.delete(id);
        fire();
      }),
    );
  }

  private armSync(): void {
    if (this.syncArmed) return;
    this.syncArmed = true;
    this.world.after(this.config.fsyncMs, () =>
      this.input(() => {
        this.syncArmed = false;
        this.onSynced(this.metadata.sync());
      }),
    );
  }
}
