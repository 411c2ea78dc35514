/**
 * The {@link EffectHost} of the actor shell: timers are `sendAfter` messages to the
 * server, later answers are casts to itself, exchange handles may be actors.
 */
import {
  type ActorRef,
  cast,
  isProcessRef,
  kill,
  onExit,
  type ServerContext,
  type TimerRef,
} from '../actors/index.js';
import type { Logger } from '../log/logger.js';
import {
  outstandingCount,
  type PlumtreeEffect,
  type PlumtreeEvent,
  type PlumtreeState,
  step,
  type TimerKey,
  timerId,
  type WireMessage,
} from './core/index.js';
import type { EffectHost, InterpreterLog } from './effect-interpreter.js';
import type { BroadcastMetrics } from './metrics.js';
import type { BroadcastCast } from './server-types.js';
import type { BroadcastTransport } from './transport.js';

/** The message a timer armed through {@link ActorEffectHost} sends to the server. */
export interface ActorTimerInfo {
  readonly type: 'coreTimer';
  readonly id: string;
  readonly seq: number;
}

function isActor(handle: unknown): handle is ActorRef {
  return typeof handle === 'object' && handle !== null && isProcessRef(handle);
}

/** Hosts the effect interpreter inside one broadcast-server incarnation. */
export class ActorEffectHost implements EffectHost {
  readonly acceptsPromises = true;
  // One timer per id; the sequence number tells a timer re-armed after it fired from its predecessor.
  private readonly timers = new Map<string, { ref: TimerRef; seq: number }>();
  private seq = 0;

  constructor(
    private readonly ctx: ServerContext,
    private readonly core: PlumtreeState,
    private readonly transport: BroadcastTransport | undefined,
    readonly metrics: BroadcastMetrics,
    private readonly logger: Logger,
  ) {}

  step(event: PlumtreeEvent): readonly PlumtreeEffect[] {
    return step(this.core, event, performance.now());
  }

  send(to: string, channel: string, msg: WireMessage): void {
    this.transport?.send(to, channel, msg);
  }

  timerId(key: TimerKey): string {
    return timerId(key);
  }

  setTimer(id: string, delayMs: number): void {
    this.cancelTimer(id);
    const seq = ++this.seq;
    const info: ActorTimerInfo = { type: 'coreTimer', id, seq };
    this.timers.set(id, { ref: this.ctx.sendAfter(info, delayMs), seq });
  }

  cancelTimer(id: string): void {
    const old = this.timers.get(id);
    if (old) this.ctx.cancelTimer(old.ref);
    this.timers.delete(id);
  }

  /** Whether a timer message is the latest of its id (and so should fire); forgets it if so. */
  fired(info: ActorTimerInfo): boolean {
    const t = this.timers.get(info.id);
    if (!t || t.seq !== info.seq) return false;
    this.timers.delete(info.id);
    return true;
  }

  deliverLater(event: PlumtreeEvent): void {
    cast(this.ctx.self, { type: 'core', event } satisfies BroadcastCast);
  }

  watchExchange(handle: unknown, ended: () => void): boolean {
    if (!isActor(handle)) return false;
    onExit(handle, ended);
    return true;
  }

  cancelExchange(handle: unknown): boolean {
    if (!isActor(handle)) return false;
    kill(handle);
    return true;
  }

  afterRun(): void {
    this.metrics.gauges(
      outstandingCount(this.core),
      this.core.allMembers.size,
      this.core.exchanges.size,
    );
  }

  log(entry: InterpreterLog): void {
    this.logger[entry.level](entry.message, {
      ...entry.context,
      ...(entry.handler === undefined ? {} : { handler: entry.handler }),
      ...(entry.error === undefined ? {} : { error: entry.error }),
    });
  }
}
