import { type GridEntry, sharedTickGrid, type TickGrid } from '../util/tick-grid.js';
import {
  DEFAULT_PING_INTERVAL_MS,
  type LivenessOptions,
  type LivenessSide,
  type LivenessState,
  livenessDeadline,
  livenessReceived,
  livenessTick,
  startLiveness,
} from './liveness.js';

/**
 * The shell of one connection's keepalive ({@link livenessTick}): one timer, re-armed
 * only at the deadline the core gives, so a frame received costs a field write and no
 * timer work. The deadline is rounded up to the process's shared tick grid (at most a
 * second, a quarter of the interval for short ones), so the keepalives of all of a
 * node's connections and its prober wake it together. It also measures the round trip of its pings, and sends the node's
 * failure-detector pings on request.
 */

/** What the keepalive does to its connection. */
export interface LivenessHooks {
  /** True while frames can be written. */
  writable(): boolean;
  sendPing(seq: number): void;
  /** The peer was silent for the whole timeout. */
  down(silentForMs: number, timeoutMs: number): void;
}

/** One connection's keepalive; see the module comment. */
export class ConnectionLiveness {
  /** The round trip of the last answered ping, ms; undefined until one. */
  rttMs: number | undefined;
  private state: LivenessState | undefined;
  private timer: GridEntry | undefined;
  private readonly grid: TickGrid;
  private lastReceivedAt = 0;
  private pingSent: { readonly seq: number; readonly at: number } | undefined;

  constructor(
    private readonly options: LivenessOptions,
    private readonly side: LivenessSide,
    private readonly hooks: LivenessHooks,
  ) {
    this.grid = sharedTickGrid(keepaliveGridMs(options.intervalMs ?? DEFAULT_PING_INTERVAL_MS));
  }

  /** When the peer last sent a frame (`performance.now()` clock). */
  get lastHeardAt(): number {
    return this.lastReceivedAt;
  }

  /**
   * Starts the keepalive: the connection is established at `now`. Both sides ping once
   * at once, so each knows the round trip (the peer's `distance`) from the start,
   * although later only the dialler pings, and only an idle connection.
   */
  start(now: number): void {
    this.lastReceivedAt = now;
    this.state = startLiveness(now, this.options, this.side);
    this.ping();
    this.schedule(now);
  }

  /** A frame arrived. */
  heard(now: number): void {
    this.lastReceivedAt = now;
  }

  /** A pong arrived: completes the round trip of the ping it answers. */
  pong(seq: number): void {
    if (this.pingSent !== undefined && seq === this.pingSent.seq) {
      this.rttMs = performance.now() - this.pingSent.at;
      this.pingSent = undefined;
    }
  }

  /** Sends a ping now (the failure detector's probe). */
  ping(): void {
    if (this.state === undefined || !this.hooks.writable()) return;
    const seq = this.state.nextSeq;
    this.state = { ...this.state, nextSeq: seq + 1 };
    this.sendPing(seq, performance.now());
  }

  /** Stops the timer for good. */
  stop(): void {
    if (this.timer !== undefined) this.grid.cancel(this.timer);
    this.timer = undefined;
    this.state = undefined;
  }

  private sendPing(seq: number, now: number): void {
    this.pingSent = { seq, at: now };
    this.hooks.sendPing(seq);
  }

  private schedule(now: number): void {
    if (this.state === undefined) return;
    const due = livenessDeadline(this.state);
    this.timer = this.grid.after(due - now, () => this.onTimer(due));
  }

  private onTimer(due: number): void {
    this.timer = undefined;
    let state = this.state;
    if (state === undefined || !this.hooks.writable()) return;
    if (this.lastReceivedAt > state.lastReceivedAt) {
      state = livenessReceived(state, this.lastReceivedAt);
    }
    // a grid timer may fire a fraction of a millisecond early by this clock
    const now = Math.max(due, performance.now());
    const { state: next, action } = livenessTick(state, now);
    this.state = next;
    switch (action.type) {
      case 'ping':
        this.sendPing(action.seq, now);
        break;
      case 'down':
        this.hooks.down(action.silentForMs, next.timeoutMs);
        return;
      case 'none':
        break;
      default: {
        const unknown: never = action;
        throw new TypeError(`unknown liveness action ${JSON.stringify(unknown)}`);
      }
    }
    this.schedule(now);
  }
}

/** The keepalive's tick grid: whole seconds, finer for intervals under 4 s (tests). */
export function keepaliveGridMs(intervalMs: number): number {
  return Math.min(1000, intervalMs / 4);
}
