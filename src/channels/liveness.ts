/**
 * Keepalive of one connection, as a pure clock-driven core: the shell reports every
 * frame received and calls {@link livenessTick} when the deadline it was given passes.
 * Any frame from the peer proves it alive, so a busy connection never pings; an idle
 * one pings every interval, and silence for the whole timeout means down. It is the
 * backstop for a single half-open connection: a closed socket is seen by TCP at once,
 * and a silent peer is found by the node's prober (`probe-schedule.ts`) within a few
 * periods, so the interval is long and an idle cluster pays almost nothing for it.
 */

/** Detection settings. */
export interface LivenessOptions {
  /** Silence after which a ping is sent, and the spacing between pings (default 60 s). */
  readonly intervalMs?: number;
  /** Silence after which the peer is declared down (default 180 s). */
  readonly timeoutMs?: number;
}

/**
 * Which side of the connection pings: the dialler. Its pings keep the acceptor's view
 * fresh too, so the acceptor only watches for silence; two sides pinging each other on
 * the same schedule would double the frames and wake-ups of an idle connection.
 */
export type LivenessSide = 'pinger' | 'watcher';

/** Default ping interval. */
export const DEFAULT_PING_INTERVAL_MS = 60_000;
/** Default silence before a peer is declared down. */
export const DEFAULT_PING_TIMEOUT_MS = 180_000;

/** What the detector knows about one connection. */
export interface LivenessState {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly lastReceivedAt: number;
  /** When the last ping went out, or `undefined` if none since the peer last spoke. */
  readonly lastPingAt: number | undefined;
  readonly nextSeq: number;
  readonly side: LivenessSide;
}

/** What the shell should do after a tick. */
export type LivenessAction =
  | { readonly type: 'none' }
  | { readonly type: 'ping'; readonly seq: number }
  | { readonly type: 'down'; readonly silentForMs: number };

/** Starts detection for a connection established at `now`. */
export function startLiveness(
  now: number,
  options: LivenessOptions = {},
  side: LivenessSide = 'pinger',
): LivenessState {
  const intervalMs = options.intervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new RangeError(`ping intervalMs must be a positive number (got ${intervalMs})`);
  }
  if (!(timeoutMs > intervalMs) || !Number.isFinite(timeoutMs)) {
    throw new RangeError(`ping timeoutMs must be larger than intervalMs (got ${timeoutMs})`);
  }
  return { intervalMs, timeoutMs, lastReceivedAt: now, lastPingAt: undefined, nextSeq: 0, side };
}

/** Records a frame (of any kind) received from the peer at `now`. */
export function livenessReceived(state: LivenessState, now: number): LivenessState {
  return { ...state, lastReceivedAt: Math.max(state.lastReceivedAt, now), lastPingAt: undefined };
}

/** Decides, at `now`, whether to ping, to declare the peer down, or to wait. */
export function livenessTick(
  state: LivenessState,
  now: number,
): { readonly state: LivenessState; readonly action: LivenessAction } {
  const silentForMs = now - state.lastReceivedAt;
  if (silentForMs >= state.timeoutMs) return { state, action: { type: 'down', silentForMs } };
  const lastActivity = state.lastPingAt ?? state.lastReceivedAt;
  if (state.side === 'pinger' && now - lastActivity >= state.intervalMs) {
    const seq = state.nextSeq;
    return {
      state: { ...state, lastPingAt: now, nextSeq: seq + 1 },
      action: { type: 'ping', seq },
    };
  }
  return { state, action: { type: 'none' } };
}

/** The time at which the next tick has something to decide: the shell's next timer. */
export function livenessDeadline(state: LivenessState): number {
  const downAt = state.lastReceivedAt + state.timeoutMs;
  if (state.side === 'watcher') return downAt;
  const pingAt = (state.lastPingAt ?? state.lastReceivedAt) + state.intervalMs;
  return Math.min(pingAt, downAt);
}
