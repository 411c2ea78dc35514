import type {
  LogEffect,
  MergeEffect,
  MetricEvent,
  PlumtreeEffect,
  PlumtreeEvent,
  PlumtreeState,
  WireMessage,
} from '../broadcast/core/index.js';
import { step, timerId } from '../broadcast/core/index.js';
import {
  type EffectHost,
  EffectInterpreter,
  type InterpreterLog,
  type InterpreterObserver,
} from '../broadcast/effect-interpreter.js';
import type { BroadcastHandler } from '../broadcast/handler.js';
import { BroadcastMetrics } from '../broadcast/metrics.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { SimNetwork, SimNode } from './network.js';

/**
 * What a {@link PlumtreeSimNode} needs of the simulated world: a {@link SimNetwork}
 * carrying plumtree messages is one; a network carrying several protocols passes an
 * adapter that wraps plumtree messages into its own envelope (see `OverlayNode`).
 */
export type PlumtreeHost = Pick<
  SimNetwork<WireMessage>,
  'now' | 'isAlive' | 'get' | 'send' | 'setTimer' | 'cancelTimer' | 'after'
>;

/** Hooks for measuring a simulated cluster. */
export interface PlumtreeObserver {
  /** `node` starts broadcasting `id` (called before any of its sends). */
  broadcastStarted?(node: string, handler: string, id: unknown, time: number): void;
  /** `node` merged `id` as new; `round` is the round it arrived with (hops − 1). */
  delivered?(node: string, handler: string, id: unknown, round: number, time: number): void;
  /** A metric effect of `node`'s core. */
  metric?(node: string, metric: MetricEvent, time: number): void;
  /** A log effect of `node`'s core. */
  log?(node: string, log: LogEffect, time: number): void;
}

export { AsyncHandlerError } from '../broadcast/handler-answers.js';

const CORE_TIMER = 'core:';

// The network's names of the core's periodic timers, built once: every node re-arms
// its lazy tick every second, and a name built per call is a new string to hash
// on every set, cancel and fire (the network keys timers by name).
const coreTimerNames = new Map<string, string>();
const coreTimerIds = new Map<string, string>();
for (const id of ['lazyTick', 'exchangeTick']) {
  coreTimerNames.set(id, CORE_TIMER + id);
  coreTimerIds.set(CORE_TIMER + id, id);
}

/** The network names of the core's periodic timers (for hosts that prefix them again). */
export const periodicCoreTimerNames: readonly string[] = [...coreTimerNames.values()];

function coreTimerName(id: string): string {
  return coreTimerNames.get(id) ?? CORE_TIMER + id;
}

/** How a simulated node runs its periodic ticks. */
export interface TickSchedule {
  /** Delay of the first lazy tick (spread nodes out so they do not tick in lockstep). */
  readonly lazyPhaseMs: number;
  /** Delay of the first exchange tick. */
  readonly exchangePhaseMs: number;
  /** ms from an `{ ok: handle }` exchange answer to its `exchangeEnded`. Default 0. */
  readonly exchangeDurationMs?: number;
}

/**
 * Runs one plumtree core inside a {@link SimNetwork}: the sim's host of the shared
 * {@link EffectInterpreter}, so a simulated node carries out effects exactly as the
 * actor shell does. Handlers must answer synchronously (simulated time cannot wait
 * for a promise); periodic ticks and the core's timers are network timers.
 */
export class PlumtreeSimNode implements SimNode<WireMessage> {
  /** Per-kind counts of the core's metric effects. */
  readonly metrics = new Map<MetricEvent['kind'], number>();
  /** Log effects, most recent last (capped at 1000). */
  readonly logs: LogEffect[] = [];
  /** The node's broadcast metrics, as the actor shell exports them (shared if given one). */
  readonly registry: MetricsRegistry;
  private readonly interpreter: EffectInterpreter;
  /** ms a simulated exchange runs (set by {@link start}). */
  exchangeDurationMs = 0;

  /**
   * `shared`: metrics for many nodes at once, recorded in its registry. A registry
   * per node, with every series bound up front, costs about 24 KB per node: most of
   * a node's memory in a 100,000-node run, for figures nobody reads per node there.
   */
  constructor(
    readonly name: string,
    readonly state: PlumtreeState,
    handlers: readonly BroadcastHandler[],
    private readonly net: PlumtreeHost,
    observer: PlumtreeObserver = {},
    shared?: { readonly registry: MetricsRegistry; readonly metrics: BroadcastMetrics },
  ) {
    this.registry = shared?.registry ?? new MetricsRegistry();
    const metrics =
      shared?.metrics ??
      new BroadcastMetrics(
        this.registry,
        handlers.map((h) => h.name),
      );
    this.interpreter = new EffectInterpreter(
      new SimEffectHost(this, net, observer, metrics),
      handlers,
    );
  }

  /** Arms the periodic lazy and exchange ticks. */
  start(schedule: TickSchedule): void {
    this.exchangeDurationMs = schedule.exchangeDurationMs ?? 0;
    this.feed({
      type: 'start',
      lazyPhaseMs: schedule.lazyPhaseMs,
      exchangePhaseMs: schedule.exchangePhaseMs,
    });
  }

  /** The handler registered as `name` here. */
  handler(name: string): BroadcastHandler | undefined {
    return this.interpreter.handler(name);
  }

  /**
   * Broadcasts `message` from this node through handler `handlerName`, like the
   * shell's `broadcast` cast. Returns the id, or undefined if the broadcast was
   * dropped (unknown handler, `broadcastData` failed, or this node is down).
   */
  broadcast(handlerName: string, message: unknown): unknown {
    if (!this.live()) return undefined;
    return this.interpreter.broadcast(handlerName, message);
  }

  /** Feeds one event to the core and carries out the effects, including handler results. */
  feed(event: PlumtreeEvent): void {
    if (this.live()) this.interpreter.run(event);
  }

  receive(from: string, msg: WireMessage): void {
    // The network delivers to the live incarnation only: no need to ask it again
    // (two lookups by name, on every message of a run).
    this.interpreter.run({ type: 'receive', from, msg });
  }

  timer(key: string): void {
    // Like `receive`: the network fires a timer of the live incarnation only (a
    // crash or a restart drops the old one's timers), so no liveness lookups here.
    const id = coreTimerIds.get(key);
    if (id !== undefined) this.interpreter.timerFired(id);
    else if (key.startsWith(CORE_TIMER)) this.interpreter.timerFired(key.slice(CORE_TIMER.length));
  }

  private live(): boolean {
    return this.net.isAlive(this.name) && this.net.get(this.name) === this;
  }
}

/**
 * The {@link EffectHost} (and observer) of one {@link PlumtreeSimNode}: a class, so a
 * node costs one object here rather than fifteen closures and their contexts (and,
 * run through tsx, each closure's own name property): 100,000 nodes hold 1.5 million
 * of them otherwise.
 */
class SimEffectHost implements EffectHost, InterpreterObserver {
  readonly acceptsPromises = false;
  readonly observer: InterpreterObserver = this;
  readonly timerId = timerId;

  constructor(
    private readonly node: PlumtreeSimNode,
    private readonly net: PlumtreeHost,
    private readonly watcher: PlumtreeObserver,
    readonly metrics: BroadcastMetrics,
  ) {}

  step(event: PlumtreeEvent): readonly PlumtreeEffect[] {
    return step(this.node.state, event, this.net.now);
  }

  // One simulated link per pair: the channel only matters to real sockets.
  send(to: string, _channel: string, msg: WireMessage): void {
    this.net.send(this.node.name, to, msg);
  }

  setTimer(id: string, delayMs: number): void {
    this.net.setTimer(this.node.name, coreTimerName(id), delayMs);
  }

  cancelTimer(id: string): void {
    this.net.cancelTimer(this.node.name, coreTimerName(id));
  }

  deliverLater(event: PlumtreeEvent): void {
    this.node.feed(event);
  }

  // Simulated exchanges run for a fixed time; there is nothing to kill.
  watchExchange(_handle: unknown, ended: () => void): boolean {
    this.net.after(this.node.exchangeDurationMs, ended);
    return true;
  }

  cancelExchange(): boolean {
    return true;
  }

  log(entry: InterpreterLog): void {
    if (entry.level === 'debug') return;
    const effect: LogEffect = {
      type: 'log',
      level: entry.level,
      message: entry.message,
      ...(entry.handler === undefined ? {} : { handler: entry.handler }),
      ...(entry.error === undefined ? {} : { error: entry.error }),
    };
    const logs = this.node.logs;
    if (logs.length >= 1000) logs.shift();
    logs.push(effect);
    this.watcher.log?.(this.node.name, effect, this.net.now);
  }

  broadcastStarted(handler: string, id: unknown): void {
    this.watcher.broadcastStarted?.(this.node.name, handler, id, this.net.now);
  }

  merged(effect: MergeEffect, isNew: boolean): void {
    if (isNew) {
      this.watcher.delivered?.(
        this.node.name,
        effect.handler,
        effect.id,
        effect.token.round,
        this.net.now,
      );
    }
  }

  metric(metric: MetricEvent): void {
    const counts = this.node.metrics;
    counts.set(metric.kind, (counts.get(metric.kind) ?? 0) + 1);
    this.watcher.metric?.(this.node.name, metric, this.net.now);
  }
}
