import type { Rng } from '../util/rng.js';

/**
 * SWIM-style failure detection for the peers of one node, as a pure clock-driven core.
 * Each period probes at most one peer, so a node's idle cost does not grow with the
 * cluster: it pings the target directly, and if the target has said nothing after
 * `ackTimeoutMs` it asks up to `indirectProbes` other peers to ping it on its behalf
 * (a lost or slow link between two live nodes is not a dead node). A target that
 * neither spoke nor was vouched for by the end of the period is declared silent.
 *
 * A closed TCP connection (a killed process, a restarted host) is seen by the channel
 * at once; this detects the rest: half-open links to a frozen process, a pulled cable.
 * Any frame from a peer proves it alive, so peers heard from within the last period
 * are skipped and a busy cluster sends no probes at all.
 *
 * Targets are taken round robin from a shuffled list (SWIM's bounded detection time:
 * every peer is probed within `peers` periods), reshuffled on each pass.
 *
 * Given the clock's offset from wall-clock time, periods start at wall-clock multiples
 * of `periodMs`, so the probes of every node of a host (or of hosts with synchronised
 * clocks) go out together and their receivers are awake for them anyway (see
 * `util/tick-grid.ts`); without it, periods start `periodMs` apart from `now`.
 */

/** Probe settings. */
export interface ProbeOptions {
  /** Time between probes, and the time one probe has to succeed (default 2 s). */
  readonly periodMs?: number;
  /** Wait for the direct answer before asking others (default 300 ms). */
  readonly ackTimeoutMs?: number;
  /** Peers asked to probe a silent target on this node's behalf (default 3). */
  readonly indirectProbes?: number;
}

/** Default time between probes. */
export const DEFAULT_PROBE_PERIOD_MS = 2_000;
/** Default wait for the direct answer. */
export const DEFAULT_PROBE_ACK_TIMEOUT_MS = 300;
/** Default number of indirect probes. */
export const DEFAULT_INDIRECT_PROBES = 3;

/** The probe under way. */
export interface Probe {
  readonly target: string;
  readonly startedAt: number;
  /** Set once other peers were asked to probe the target. */
  readonly indirectAt: number | undefined;
  /** A helper reported an answer from the target. */
  readonly vouched: boolean;
}

/** What the detector knows. */
export interface ProbeState {
  readonly periodMs: number;
  readonly ackTimeoutMs: number;
  readonly indirectProbes: number;
  /** Targets left in this pass, next first. */
  readonly queue: readonly string[];
  readonly probe: Probe | undefined;
  /** When the next probe may start. */
  readonly nextPeriodAt: number;
  /** Wall-clock time minus this clock, when periods are aligned to wall-clock multiples. */
  readonly wallOffsetMs: number | undefined;
}

/** What the detector sees of the world at a tick. */
export interface ProbeView {
  readonly now: number;
  /** Peers with an established connection, in any order. */
  readonly peers: readonly string[];
  /** When a frame was last received from `peer` (any connection), or -Infinity. */
  readonly lastHeardAt: (peer: string) => number;
}

/** What the shell should do. */
export type ProbeAction =
  | { readonly type: 'ping'; readonly peer: string }
  | { readonly type: 'pingReq'; readonly via: string; readonly target: string }
  | { readonly type: 'silent'; readonly peer: string; readonly silentForMs: number };

/** The result of a tick: the next state, what to do, and when to tick next (undefined: no peers, no timer). */
export interface ProbeStep {
  readonly state: ProbeState;
  readonly actions: readonly ProbeAction[];
  readonly nextAt: number | undefined;
}

/**
 * Starts detection at `now`; the first probe may start one period later (at the first
 * wall-clock multiple of the period at least half a period away, given `wallOffsetMs`,
 * the wall-clock time minus `now`'s clock).
 */
export function startProbes(
  now: number,
  options: ProbeOptions = {},
  wallOffsetMs?: number,
): ProbeState {
  const periodMs = options.periodMs ?? DEFAULT_PROBE_PERIOD_MS;
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_PROBE_ACK_TIMEOUT_MS;
  const indirectProbes = options.indirectProbes ?? DEFAULT_INDIRECT_PROBES;
  if (!(periodMs > 0) || !Number.isFinite(periodMs)) {
    throw new RangeError(`probe periodMs must be a positive number (got ${periodMs})`);
  }
  if (!(ackTimeoutMs > 0 && ackTimeoutMs < periodMs)) {
    throw new RangeError(
      `probe ackTimeoutMs must be positive and below periodMs (got ${ackTimeoutMs})`,
    );
  }
  if (!(Number.isInteger(indirectProbes) && indirectProbes >= 0)) {
    throw new RangeError(
      `probe indirectProbes must be a non-negative integer (got ${indirectProbes})`,
    );
  }
  const state: ProbeState = {
    periodMs,
    ackTimeoutMs,
    indirectProbes,
    queue: [],
    probe: undefined,
    nextPeriodAt: now + periodMs,
    wallOffsetMs,
  };
  return { ...state, nextPeriodAt: periodAfter(state, now) };
}

/**
 * When a period that starts now is followed by the next: one period later, or, aligned,
 * the wall-clock multiple nearest to that (a late timer does not push every later
 * period back).
 */
function periodAfter(state: ProbeState, now: number): number {
  const offset = state.wallOffsetMs;
  if (offset === undefined) return now + state.periodMs;
  const p = state.periodMs;
  return Math.ceil((now + offset + p / 2) / p) * p - offset;
}

/** A helper reports that `target` answered its probe on this node's behalf. */
export function probeVouched(state: ProbeState, target: string): ProbeState {
  const probe = state.probe;
  if (probe === undefined || probe.target !== target) return state;
  return { ...state, probe: { ...probe, vouched: true } };
}

/** Advances the detector to `view.now`. */
export function probeTick(state: ProbeState, view: ProbeView, rng: Rng): ProbeStep {
  const actions: ProbeAction[] = [];
  const { now, peers } = view;
  let next = state;
  const probe = state.probe;
  if (probe !== undefined) {
    const heard = view.lastHeardAt(probe.target);
    if (heard >= probe.startedAt || probe.vouched || !peers.includes(probe.target)) {
      next = { ...next, probe: undefined };
    } else if (now >= probe.startedAt + state.periodMs) {
      actions.push({ type: 'silent', peer: probe.target, silentForMs: now - heard });
      next = { ...next, probe: undefined };
    } else if (probe.indirectAt === undefined && now >= probe.startedAt + state.ackTimeoutMs) {
      for (const via of pickHelpers(peers, probe.target, state.indirectProbes, rng)) {
        actions.push({ type: 'pingReq', via, target: probe.target });
      }
      next = { ...next, probe: { ...probe, indirectAt: now } };
    }
  }
  if (next.probe === undefined && now >= next.nextPeriodAt) {
    const chosen = nextTarget(next.queue, view, state.periodMs, rng);
    next = { ...next, queue: chosen.queue, nextPeriodAt: periodAfter(state, now) };
    if (chosen.target !== undefined) {
      actions.push({ type: 'ping', peer: chosen.target });
      next = {
        ...next,
        probe: { target: chosen.target, startedAt: now, indirectAt: undefined, vouched: false },
      };
    }
  }
  return { state: next, actions, nextAt: deadline(next, peers.length) };
}

/** When the next tick has something to decide; undefined when there is no peer to probe. */
function deadline(state: ProbeState, peerCount: number): number | undefined {
  const probe = state.probe;
  if (probe === undefined) return peerCount === 0 ? undefined : state.nextPeriodAt;
  const end = probe.startedAt + state.periodMs;
  if (probe.indirectAt === undefined) return probe.startedAt + state.ackTimeoutMs;
  return end;
}

/**
 * The next peer to probe: the first of the pass still connected and not heard from
 * within the last period. Peers that joined since the pass began wait for the next.
 */
function nextTarget(
  queue: readonly string[],
  view: ProbeView,
  periodMs: number,
  rng: Rng,
): { readonly queue: readonly string[]; readonly target: string | undefined } {
  const live = new Set(view.peers);
  const quiet = (p: string) => live.has(p) && view.lastHeardAt(p) < view.now - periodMs;
  let rest = queue;
  for (let refilled = false; ; refilled = true) {
    const at = rest.findIndex(quiet);
    if (at >= 0) return { queue: rest.slice(at + 1), target: rest[at] };
    if (refilled || live.size === 0) return { queue: [], target: undefined };
    rest = shuffled(view.peers, rng);
  }
}

function pickHelpers(
  peers: readonly string[],
  target: string,
  count: number,
  rng: Rng,
): readonly string[] {
  return shuffled(
    peers.filter((p) => p !== target),
    rng,
  ).slice(0, count);
}

function shuffled(xs: readonly string[], rng: Rng): string[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}
