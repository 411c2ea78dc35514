import type {
  LogEffect,
  MetricEvent,
  PlumtreeEffect,
  PlumtreeEvent,
  PlumtreeState,
  TimerKey,
  WireMessage,
} from '../broadcast/core/index.js';
import { step, timerId } from '../broadcast/core/index.js';
import type { BroadcastHandler } from '../broadcast/handler.js';
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

/** Thrown when a simulated handler returns a promise: simulated time cannot wait for it. */
export class AsyncHandlerError extends Error {
  override readonly name = 'AsyncHandlerError';
  constructor(handler: string) {
    super(`handler ${handler} returned a promise; simulated handlers must be synchronous`);
  }
}

const CORE_TIMER = 'core:';

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
 * Runs one plumtree core inside a {@link SimNetwork}: the sim's equivalent of the
 * actor shell. Handler calls are made synchronously and their results fed straight
 * back; the core's timers (its ticks included) are network timers, and its clock is
 * the network's.
 */
export class PlumtreeSimNode implements SimNode<WireMessage> {
  /** Per-kind counts of the core's metric effects. */
  readonly metrics = new Map<MetricEvent['kind'], number>();
  /** Log effects, most recent last (capped at 1000). */
  readonly logs: LogEffect[] = [];
  private readonly handlers: Map<string, BroadcastHandler>;
  private readonly inbox: PlumtreeEvent[] = [];
  private running = false;
  private exchangeDurationMs = 0;
  /** Armed core timers by {@link timerId}, to feed the key back when one fires. */
  private readonly timers = new Map<string, TimerKey>();

  constructor(
    readonly name: string,
    readonly state: PlumtreeState,
    handlers: readonly BroadcastHandler[],
    private readonly net: PlumtreeHost,
    private readonly observer: PlumtreeObserver = {},
  ) {
    this.handlers = new Map(handlers.map((h) => [h.name, h]));
  }

  /** Starts the core: it arms its lazy and exchange ticks at the given phases. */
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
    return this.handlers.get(name);
  }

  /**
   * Broadcasts `message` from this node through handler `handlerName`, like the
   * shell's `broadcast` cast. Returns the id, or undefined if `broadcastData` threw.
   */
  broadcast(handlerName: string, message: unknown): unknown {
    const handler = this.handlers.get(handlerName);
    if (handler === undefined) {
      this.feed({ type: 'localBroadcast', handler: handlerName, id: undefined, payload: message });
      return undefined;
    }
    let data: { id: unknown; payload: unknown };
    try {
      data = handler.broadcastData(message);
    } catch (error) {
      this.feed({ type: 'broadcastDataFailed', handler: handlerName, error });
      return undefined;
    }
    this.observer.broadcastStarted?.(this.name, handlerName, data.id, this.net.now);
    this.feed({ type: 'localBroadcast', handler: handlerName, id: data.id, payload: data.payload });
    return data.id;
  }

  /** Feeds one event to the core and carries out the effects, including handler results. */
  feed(event: PlumtreeEvent): void {
    if (!this.net.isAlive(this.name) || this.net.get(this.name) !== this) return;
    this.inbox.push(event);
    if (this.running) return;
    this.running = true;
    try {
      // A flat work list instead of recursion: handler results queue behind the
      // effects of the event that asked for them, as they would with a real shell.
      for (let i = 0; i < this.inbox.length; i++) {
        const effects = step(this.state, this.inbox[i] as PlumtreeEvent, this.net.now);
        for (const effect of effects) this.execute(effect);
      }
    } finally {
      this.inbox.length = 0;
      this.running = false;
    }
  }

  receive(from: string, msg: WireMessage): void {
    this.feed({ type: 'receive', from, msg });
  }

  timer(key: string): void {
    if (!key.startsWith(CORE_TIMER)) return;
    const id = key.slice(CORE_TIMER.length);
    const timer = this.timers.get(id);
    if (timer === undefined) return;
    this.timers.delete(id);
    this.feed({ type: 'timer', key: timer });
  }

  private execute(effect: PlumtreeEffect): void {
    switch (effect.type) {
      case 'send':
        this.net.send(this.name, effect.to, effect.msg);
        return;
      case 'setTimer': {
        const id = timerId(effect.key);
        this.timers.set(id, effect.key);
        this.net.setTimer(this.name, CORE_TIMER + id, effect.delayMs);
        return;
      }
      case 'cancelTimer': {
        const id = timerId(effect.key);
        this.timers.delete(id);
        this.net.cancelTimer(this.name, CORE_TIMER + id);
        return;
      }
      case 'merge': {
        const { token } = effect;
        try {
          const isNew = sync(
            effect.handler,
            this.call(effect.handler).merge(effect.id, effect.payload),
          );
          if (isNew) {
            this.observer.delivered?.(
              this.name,
              effect.handler,
              effect.id,
              token.round,
              this.net.now,
            );
          }
          this.inbox.push({ type: 'mergeResult', token, isNew });
        } catch (error) {
          if (error instanceof AsyncHandlerError) throw error;
          this.inbox.push({ type: 'mergeFailed', token, error });
        }
        return;
      }
      case 'isStale': {
        const { token } = effect;
        try {
          const stale = sync(effect.handler, this.call(effect.handler).isStale(effect.id));
          this.inbox.push({ type: 'isStaleResult', token, stale });
        } catch (error) {
          if (error instanceof AsyncHandlerError) throw error;
          this.inbox.push({ type: 'isStaleFailed', token, error });
        }
        return;
      }
      case 'graft': {
        const { token } = effect;
        try {
          const result = sync(effect.handler, this.call(effect.handler).graft(effect.id));
          this.inbox.push({ type: 'graftResult', token, result });
        } catch (error) {
          if (error instanceof AsyncHandlerError) throw error;
          this.inbox.push({ type: 'graftResult', token, result: { error } });
        }
        return;
      }
      case 'exchangeStart': {
        const { token } = effect;
        let result: PlumtreeEvent & { type: 'exchangeResult' };
        try {
          const answer = sync(effect.handler, this.call(effect.handler).exchange(effect.peer));
          result = { type: 'exchangeResult', token, result: answer };
        } catch (error) {
          if (error instanceof AsyncHandlerError) throw error;
          result = { type: 'exchangeResult', token, result: { error } };
        }
        this.inbox.push(result);
        if (typeof result.result === 'object' && 'ok' in result.result) {
          this.net.after(this.exchangeDurationMs, () =>
            this.feed({ type: 'exchangeEnded', ref: token.ref }),
          );
        }
        return;
      }
      case 'cancelExchange':
        return;
      case 'metric':
        this.metrics.set(effect.metric.kind, (this.metrics.get(effect.metric.kind) ?? 0) + 1);
        this.observer.metric?.(this.name, effect.metric, this.net.now);
        return;
      case 'log':
        if (this.logs.length >= 1000) this.logs.shift();
        this.logs.push(effect);
        this.observer.log?.(this.name, effect, this.net.now);
        return;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }

  private call(name: string): BroadcastHandler {
    const h = this.handlers.get(name);
    // The core only asks for registered handlers; a missing one is a wiring bug.
    if (h === undefined) throw new Error(`handler ${name} is not installed on ${this.name}`);
    return h;
  }
}

function sync<T>(handler: string, value: T | Promise<T>): T {
  if (typeof (value as { then?: unknown } | null)?.then === 'function') {
    throw new AsyncHandlerError(handler);
  }
  return value as T;
}
