/**
 * Carries out the Plumtree core's effects, for every host: the actor shell and the
 * simulator's node share it, so both run the same code between the core and the
 * world. What differs between hosts (how a message travels, how a timer fires, how a
 * later answer comes back) is the {@link EffectHost}; everything else is here: sends
 * split per handler channel, the timer table, handler calls with their answers
 * checked against the contract (sync answers fed straight back into the same step
 * loop), exchange watching and cancelling, metrics and logs.
 */
import { DEFAULT_CHANNEL } from '../channels/node-spec.js';
import {
  type Announcement,
  type ExchangeSelector,
  type ExchangeToken,
  type IsStaleEffect,
  type MergeEffect,
  type MetricEvent,
  type PlumtreeEffect,
  type PlumtreeEvent,
  selectsExchange,
  type TimerKey,
  type WireMessage,
} from './core/index.js';
import type { BroadcastHandler } from './handler.js';
import {
  AsyncHandlerError,
  channelOf,
  parseBoolean,
  parseBroadcastData,
  parseExchangeAnswer,
  parseGraftAnswer,
  UnknownHandlerError,
} from './handler-answers.js';
import type { BroadcastMetrics } from './metrics.js';

/** Something the interpreter reports: the core's log effects and its own findings. */
export interface InterpreterLog {
  readonly level: 'debug' | 'warn' | 'error';
  readonly message: string;
  readonly handler?: string;
  readonly error?: unknown;
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Hooks for measuring what the interpreter does (the simulator's statistics). */
export interface InterpreterObserver {
  /** A local broadcast of `id` is about to be fed to the core (before any of its sends). */
  broadcastStarted?(handler: string, id: unknown): void;
  /** `merge` answered for `effect`; `isNew` is the answer after validation. */
  merged?(effect: MergeEffect, isNew: boolean): void;
  /** A metric effect of the core, after it was recorded. */
  metric?(metric: MetricEvent): void;
}

/**
 * What a host gives the interpreter. Timer keys are opaque here: the host names each
 * by {@link EffectHost.timerId}, and keeps at most one timer per id.
 */
export interface EffectHost {
  /** Steps the core with one event (the host supplies its clock, or a composed core). */
  step(event: PlumtreeEvent): readonly PlumtreeEffect[];
  /** Hands `msg` for `to` to the transport on `channel`. A throw is counted as `send_failed`. */
  send(to: string, channel: string, msg: WireMessage): void;
  /** The id a timer key is armed under; equal ids are the same timer. */
  timerId(key: TimerKey): string;
  /** Arms (or re-arms, replacing) timer `id`; when it fires, call {@link EffectInterpreter.timerFired}. */
  setTimer(id: string, delayMs: number): void;
  /** Disarms timer `id` if armed. */
  cancelTimer(id: string): void;
  /**
   * Feeds `event` to {@link EffectInterpreter.run} later, outside the current step loop:
   * async handler answers and ended exchanges (the actor shell casts it to itself).
   */
  deliverLater(event: PlumtreeEvent): void;
  /**
   * Whether handler answers may be promises. A host that cannot wait (simulated time)
   * says false, and a promise answer throws {@link AsyncHandlerError} out of the step.
   */
  readonly acceptsPromises: boolean;
  /** Watches a handle the host knows (an actor); calls `ended` once when it stops. False if it cannot. */
  watchExchange?(handle: unknown, ended: () => void): boolean;
  /** Stops a handle the host knows (kills an actor). False if it cannot. */
  cancelExchange?(handle: unknown): boolean;
  /** Called once the outermost step loop has drained (e.g. to set gauges from the core's state). */
  afterRun?(): void;
  log(entry: InterpreterLog): void;
  readonly metrics: BroadcastMetrics;
  readonly observer?: InterpreterObserver;
}

/** A running exchange's identity, as {@link EffectInterpreter.cancelPendingExchanges} reports it. */
export interface PendingExchangeStart {
  readonly ref: string;
  readonly handler: string;
  readonly peer: string;
}

function isPromise(x: unknown): x is PromiseLike<unknown> {
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null) return false;
  try {
    return typeof (x as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

function field(x: unknown, key: string): unknown {
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null) return undefined;
  try {
    return (x as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Runs the core through one {@link EffectHost}. */
export class EffectInterpreter {
  private readonly handlers: ReadonlyMap<string, BroadcastHandler>;
  private readonly channels: ReadonlyMap<string, string>;
  /** Armed timers by id, with the key to feed back when they fire. */
  private readonly timers = new Map<string, TimerKey>();
  /** Exchanges asked of a handler whose answer has not been fed back yet. */
  private readonly starting = new Map<string, ExchangeToken>();
  /** Starts cancelled before their answer came: a handle they answer is cancelled at once. */
  private readonly cancelledStarts = new Set<string>();
  private readonly queue: PlumtreeEvent[] = [];
  private running = false;
  /** Whether every handler's messages travel on the default channel. */
  private readonly allOnDefaultChannel: boolean;

  constructor(
    private readonly host: EffectHost,
    handlers: readonly BroadcastHandler[],
  ) {
    this.handlers = new Map(handlers.map((h) => [h.name, h]));
    this.channels = new Map(
      handlers.map((h) => [
        h.name,
        channelOf(h, DEFAULT_CHANNEL, (error) =>
          host.log({
            level: 'error',
            message: 'broadcastChannel failed; using the default channel',
            handler: h.name,
            error,
          }),
        ),
      ]),
    );
    this.allOnDefaultChannel = [...this.channels.values()].every((c) => c === DEFAULT_CHANNEL);
  }

  /** The channel `handler`'s messages travel on. */
  channelOf(handler: string): string {
    return this.channels.get(handler) ?? DEFAULT_CHANNEL;
  }

  /** The handler registered as `name`. */
  handler(name: string): BroadcastHandler | undefined {
    return this.handlers.get(name);
  }

  /**
   * Broadcasts `message` through `handlerName` as the shell's `broadcast` cast does:
   * calls `broadcastData`, checks its answer and feeds the core. Returns the id, or
   * undefined when the broadcast was dropped (unknown handler, failed `broadcastData`).
   */
  broadcast(handlerName: string, message: unknown): unknown {
    const handler = this.handlers.get(handlerName);
    if (handler === undefined) {
      // The core counts and logs a broadcast for a handler it does not know.
      this.run({ type: 'localBroadcast', handler: handlerName, id: undefined, payload: message });
      return undefined;
    }
    let data: { readonly id: unknown; readonly payload: unknown };
    try {
      data = parseBroadcastData(handlerName, handler.broadcastData(message));
    } catch (error) {
      this.run({ type: 'broadcastDataFailed', handler: handlerName, error });
      return undefined;
    }
    this.host.observer?.broadcastStarted?.(handlerName, data.id);
    this.run({ type: 'localBroadcast', handler: handlerName, id: data.id, payload: data.payload });
    return data.id;
  }

  /**
   * Steps the core with `event`, carries out its effects and steps every event a
   * sync handler answer produces, in order. Called while running (from a host that
   * delivers synchronously), the event is queued behind the current ones.
   */
  run(event: PlumtreeEvent): void {
    this.queue.push(event);
    if (!this.running) this.loop([]);
  }

  /** A timer armed under `id` fired: feeds its key unless it was cancelled or re-armed since. */
  timerFired(id: string): void {
    const key = this.timers.get(id);
    if (key === undefined) return;
    this.timers.delete(id);
    this.run({ type: 'timer', key });
  }

  /** Carries out effects produced outside {@link run} (e.g. by a command like `cancelExchanges`). */
  execute(effects: readonly PlumtreeEffect[]): void {
    for (const effect of effects) this.effect(effect);
  }

  /**
   * Carries out effects a host's own step produced (a composed core stepped with an
   * event that is not the Plumtree layer's), then steps every event a sync handler
   * answer produces, as {@link run} does. Called while running, they join that loop.
   */
  carry(effects: readonly PlumtreeEffect[]): void {
    if (this.running) this.execute(effects);
    else this.loop(effects);
  }

  /** Executes `first`, then steps every queued event (and what each adds) in order. */
  private loop(first: readonly PlumtreeEffect[]): void {
    this.running = true;
    try {
      this.execute(first);
      for (let i = 0; i < this.queue.length; i++) {
        const next = this.admit(this.queue[i] as PlumtreeEvent);
        if (next !== undefined) this.execute(this.host.step(next));
      }
    } finally {
      this.queue.length = 0;
      this.running = false;
    }
    this.host.afterRun?.();
  }

  /**
   * Cancels the exchanges `selector` picks whose start is still pending (the handler
   * has not answered): the core forgets them now, and a handle answered later is
   * cancelled at once and never tracked. Running exchanges are the core's to cancel.
   */
  cancelPendingExchanges(selector: ExchangeSelector): PendingExchangeStart[] {
    const picked: PendingExchangeStart[] = [];
    for (const token of this.starting.values()) {
      if (selectsExchange(selector, { ...token, handle: undefined })) picked.push(token);
    }
    for (const token of picked) {
      this.starting.delete(token.ref);
      this.cancelledStarts.add(token.ref);
      this.run({ type: 'exchangeEnded', ref: token.ref });
    }
    return picked.map(({ ref, handler, peer }) => ({ ref, handler, peer }));
  }

  /** Exchange answers are seen here first: a started handle is watched, a cancelled one stopped. */
  private admit(event: PlumtreeEvent): PlumtreeEvent | undefined {
    if (event.type !== 'exchangeResult') return event;
    const { ref } = event.token;
    this.starting.delete(ref);
    const result = event.result;
    const started = typeof result === 'object' && 'ok' in result;
    if (this.cancelledStarts.delete(ref)) {
      // The core already forgot this start; a handle it produced must not run on.
      if (started) this.cancelHandle(event.token.handler, result.ok);
      return undefined;
    }
    if (started) this.watch(event.token, result.ok);
    return event;
  }

  private effect(e: PlumtreeEffect): void {
    switch (e.type) {
      case 'send':
        this.send(e.to, e.msg);
        return;
      case 'setTimer': {
        const id = this.host.timerId(e.key);
        this.timers.set(id, e.key);
        this.host.setTimer(id, e.delayMs);
        return;
      }
      case 'cancelTimer': {
        const id = this.host.timerId(e.key);
        this.timers.delete(id);
        this.host.cancelTimer(id);
        return;
      }
      case 'merge':
        this.merge(e);
        return;
      case 'isStale':
        this.isStale(e);
        return;
      case 'graft':
        this.call(
          e.handler,
          (h) => h.graft(e.id),
          (answer) => ({
            type: 'graftResult',
            token: e.token,
            result: parseGraftAnswer(e.handler, answer),
          }),
          (error) => ({ type: 'graftResult', token: e.token, result: { error } }),
        );
        return;
      case 'exchangeStart':
        this.starting.set(e.token.ref, e.token);
        this.call(
          e.handler,
          (h) => h.exchange(e.peer),
          (answer) => ({
            type: 'exchangeResult',
            token: e.token,
            result: parseExchangeAnswer(e.handler, answer),
          }),
          (error) => ({ type: 'exchangeResult', token: e.token, result: { error } }),
        );
        return;
      case 'cancelExchange':
        this.cancelHandle(e.exchange.handler, e.exchange.handle);
        return;
      case 'metric':
        if (!this.host.metrics.record(e.metric)) {
          this.host.log({
            level: 'warn',
            message: 'unknown metric kind',
            context: { metric: e.metric },
          });
        }
        this.host.observer?.metric?.(e.metric);
        return;
      case 'log':
        this.host.log({
          level: e.level,
          message: e.message,
          ...(e.handler === undefined ? {} : { handler: e.handler }),
          ...(e.error === undefined ? {} : { error: e.error }),
        });
        return;
      default: {
        const never: never = e;
        this.host.log({ level: 'warn', message: 'unknown effect', context: { effect: never } });
      }
    }
  }

  /** Sends one message, split per channel when a batch mixes handlers of different channels. */
  private send(to: string, msg: WireMessage): void {
    if (msg.type === 'prune') {
      this.sendOn(to, DEFAULT_CHANNEL, msg);
      return;
    }
    if (msg.type !== 'i_have' && msg.type !== 'ignored_i_have') {
      this.sendOn(to, this.channelOf(msg.handler), msg);
      return;
    }
    // Every handler on the default channel (the usual case): nothing to split, no map
    // per batch; an entry of an unknown handler would go there too.
    if (msg.entries.length === 0) return;
    if (this.allOnDefaultChannel) {
      this.sendOn(to, DEFAULT_CHANNEL, msg);
      return;
    }
    const byChannel = new Map<string, Announcement[]>();
    for (const entry of msg.entries) {
      const ch = this.channelOf(entry.handler);
      const list = byChannel.get(ch);
      if (list) list.push(entry);
      else byChannel.set(ch, [entry]);
    }
    for (const [ch, entries] of byChannel) {
      this.sendOn(to, ch, byChannel.size === 1 ? msg : { ...msg, entries });
    }
  }

  private sendOn(to: string, channel: string, msg: WireMessage): void {
    this.host.metrics.sent(msg.type);
    try {
      this.host.send(to, channel, msg);
    } catch (error) {
      this.host.metrics.dropped('send_failed');
      this.host.log({
        level: 'debug',
        message: 'send failed; the protocol repairs it',
        error,
        context: { to, type: msg.type },
      });
    }
  }

  /**
   * `merge`, once per payload received: {@link call} without its closures (a sync
   * answer is the rule, and this is every relayed message's path).
   */
  private merge(e: MergeEffect): void {
    const handler = this.handlers.get(e.handler);
    if (handler === undefined) {
      this.queue.push({
        type: 'mergeFailed',
        token: e.token,
        error: new UnknownHandlerError(e.handler),
      });
      return;
    }
    let answer: unknown;
    try {
      answer = handler.merge(e.id, e.payload);
    } catch (error) {
      this.queue.push({ type: 'mergeFailed', token: e.token, error });
      return;
    }
    if (!isPromise(answer)) {
      this.queue.push(this.mergeAnswered(e, answer));
      return;
    }
    this.later(
      e.handler,
      answer,
      (value) => this.mergeAnswered(e, value),
      (error) => ({ type: 'mergeFailed', token: e.token, error }),
    );
  }

  private mergeAnswered(e: MergeEffect, answer: unknown): PlumtreeEvent {
    try {
      const isNew = parseBoolean(e.handler, 'merge', answer);
      this.host.observer?.merged?.(e, isNew);
      return { type: 'mergeResult', token: e.token, isNew };
    } catch (error) {
      return { type: 'mergeFailed', token: e.token, error };
    }
  }

  /** `isStale`, once per announcement received: {@link merge}'s shape, for the same reason. */
  private isStale(e: IsStaleEffect): void {
    const handler = this.handlers.get(e.handler);
    if (handler === undefined) {
      this.queue.push({
        type: 'isStaleFailed',
        token: e.token,
        error: new UnknownHandlerError(e.handler),
      });
      return;
    }
    let answer: unknown;
    try {
      answer = handler.isStale(e.id);
    } catch (error) {
      this.queue.push({ type: 'isStaleFailed', token: e.token, error });
      return;
    }
    if (!isPromise(answer)) {
      this.queue.push(this.staleAnswered(e, answer));
      return;
    }
    this.later(
      e.handler,
      answer,
      (value) => this.staleAnswered(e, value),
      (error) => ({ type: 'isStaleFailed', token: e.token, error }),
    );
  }

  private staleAnswered(e: IsStaleEffect, answer: unknown): PlumtreeEvent {
    try {
      return {
        type: 'isStaleResult',
        token: e.token,
        stale: parseBoolean(e.handler, 'isStale', answer),
      };
    } catch (error) {
      return { type: 'isStaleFailed', token: e.token, error };
    }
  }

  /** A promise answer: its outcome is fed back later, through the host. */
  private later(
    name: string,
    answer: PromiseLike<unknown>,
    ok: (value: unknown) => PlumtreeEvent,
    failed: (error: unknown) => PlumtreeEvent,
  ): void {
    if (!this.host.acceptsPromises) throw new AsyncHandlerError(name);
    const deliver = (event: PlumtreeEvent) => this.host.deliverLater(event);
    try {
      answer.then(
        (value) => deliver(ok(value)),
        (error: unknown) => deliver(failed(error)),
      );
    } catch (error) {
      this.queue.push(failed(error));
    }
  }

  /**
   * Calls a handler. A sync answer (or a throw) is queued for this step loop; a
   * promise's outcome is delivered later through the host. `ok` checks the answer: a
   * contract violation it throws is that handler's failure, like a throw of its own.
   */
  private call(
    name: string,
    invoke: (h: BroadcastHandler) => unknown,
    ok: (answer: unknown) => PlumtreeEvent,
    failed: (error: unknown) => PlumtreeEvent,
  ): void {
    const answered = (answer: unknown): PlumtreeEvent => {
      try {
        return ok(answer);
      } catch (error) {
        return failed(error);
      }
    };
    const handler = this.handlers.get(name);
    if (handler === undefined) {
      this.queue.push(failed(new UnknownHandlerError(name)));
      return;
    }
    let answer: unknown;
    try {
      answer = invoke(handler);
    } catch (error) {
      this.queue.push(failed(error));
      return;
    }
    if (!isPromise(answer)) {
      this.queue.push(answered(answer));
      return;
    }
    if (!this.host.acceptsPromises) throw new AsyncHandlerError(name);
    const later = (event: PlumtreeEvent) => this.host.deliverLater(event);
    try {
      answer.then(
        (value) => later(answered(value)),
        (error: unknown) => later(failed(error)),
      );
    } catch (error) {
      this.queue.push(failed(error));
    }
  }

  /** Watches an exchange handle so the core hears when it ends. */
  private watch(token: ExchangeToken, handle: unknown): void {
    let done = false;
    const ended = () => {
      if (done) return;
      done = true;
      this.host.deliverLater({ type: 'exchangeEnded', ref: token.ref });
    };
    if (this.host.watchExchange?.(handle, ended)) return;
    const finished = field(handle, 'done');
    if (isPromise(finished)) {
      try {
        finished.then(ended, ended);
        return;
      } catch {
        // An unusable `then` is no way to watch: fall through and end it now.
      }
    }
    // Nothing to watch: count it as ended so it does not hold the exchange limit forever.
    this.host.log({
      level: 'warn',
      message: 'exchange handle cannot be watched; treating it as ended',
      handler: token.handler,
      context: { ref: token.ref },
    });
    ended();
  }

  private cancelHandle(handler: string, handle: unknown): void {
    const cancel = field(handle, 'cancel');
    try {
      if (typeof cancel === 'function') (cancel as (this: unknown) => void).call(handle);
      else this.host.cancelExchange?.(handle);
    } catch (error) {
      this.host.log({ level: 'error', message: 'cancelling an exchange threw', handler, error });
    }
  }
}
