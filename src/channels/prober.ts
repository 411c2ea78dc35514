import type { Rng } from '../util/rng.js';
import { type GridEntry, sharedTickGrid, type TickGrid } from '../util/tick-grid.js';
import {
  type ProbeAction,
  type ProbeOptions,
  type ProbeState,
  probeTick,
  probeVouched,
  startProbes,
} from './probe-schedule.js';

/**
 * The shell of the node's failure detector ({@link probeTick}): one timer for the whole
 * node, armed only while some peer is up, and the indirect probes it answers for
 * others. The links it probes are reached through a {@link ProbeHost}. Periods start at
 * wall-clock multiples of the period, on the process's shared tick grid, so the
 * detector wakes a node together with its keepalives and with the other nodes.
 */

/** What the prober needs from the node's links. */
export interface ProbeHost {
  /** Peers with an established connection. */
  upPeers(): string[];
  /** When `peer` last sent anything (`performance.now()` clock), or -Infinity. */
  lastHeardAt(peer: string): number;
  /** Pings `peer` now. */
  ping(peer: string): void;
  /** Sends a `probe_req` or `probe_ack` about `target` to `peer`. */
  sendProbe(peer: string, kind: 'probe_req' | 'probe_ack', target: string): void;
  /** `peer` answered neither directly nor through others: drop its connections. */
  silent(peer: string, silentForMs: number): void;
}

/**
 * Indirect probes answered at once for others; past it, requests are ignored (a
 * requester's period is short, and a node asked by everyone must not amplify).
 */
const MAX_PENDING_INDIRECT = 16;

/** One node's failure detector; see the module comment. */
export class Prober {
  private state: ProbeState;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private gridEntry: GridEntry | undefined;
  private readonly grid: TickGrid;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  /** Indirect probes under way for others: target → the peers that asked. */
  private readonly pending = new Map<string, Set<string>>();
  private pendingCount = 0;

  constructor(
    private readonly host: ProbeHost,
    options: ProbeOptions,
    private readonly rng: Rng,
  ) {
    const now = performance.now();
    this.state = startProbes(now, options, performance.timeOrigin);
    this.grid = sharedTickGrid(probeGridMs(this.state.periodMs));
  }

  /** A peer came up: make sure the detector runs. */
  peerUp(): void {
    if (this.stopped) return;
    if (this.timerAt === Number.POSITIVE_INFINITY)
      this.arm(Math.max(this.state.nextPeriodAt, performance.now()));
  }

  /** `from` asks this node to probe `target` for it. */
  onProbeReq(from: string, target: string): void {
    if (this.stopped || this.pendingCount >= MAX_PENDING_INDIRECT) return;
    if (!this.host.upPeers().includes(target)) return;
    const waiting = this.pending.get(target);
    if (waiting !== undefined) {
      waiting.add(from);
    } else {
      this.pending.set(target, new Set([from]));
      this.host.ping(target);
    }
    this.pendingCount++;
    // a target that does not answer within the requester's own wait is not vouched for
    const expire = setTimeout(() => {
      if (this.pending.get(target)?.delete(from) === true) this.pendingCount--;
      if (this.pending.get(target)?.size === 0) this.pending.delete(target);
    }, this.state.periodMs - this.state.ackTimeoutMs);
    expire.unref();
  }

  /** A pong from `peer`: settles this node's probe of it, and tells whoever asked for one. */
  onPong(peer: string): void {
    // settled now rather than at the ack timeout: one wake-up per period, not two
    if (this.state.probe?.target === peer && !this.stopped) this.tickNow();
    const waiting = this.pending.get(peer);
    if (waiting === undefined) return;
    this.pending.delete(peer);
    this.pendingCount -= waiting.size;
    for (const from of waiting) this.host.sendProbe(from, 'probe_ack', peer);
  }

  /** `from` reports that `target` answered the probe it made for this node. */
  onProbeAck(_from: string, target: string): void {
    this.state = probeVouched(this.state, target);
  }

  /** Stops the timer for good. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.gridEntry !== undefined) this.grid.cancel(this.gridEntry);
    this.timer = undefined;
    this.gridEntry = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return;
    this.disarm();
    this.timerAt = at;
    const delay = at - performance.now();
    // a period start is on the grid; the deadlines of a probe under way are not
    if (Math.abs(this.grid.delayTo(delay) - delay) < 0.01) {
      this.gridEntry = this.grid.after(delay, () => this.onTimer(at));
    } else {
      this.timer = setTimeout(() => this.onTimer(at), Math.max(1, Math.ceil(delay)));
      // the detector never keeps a process alive on its own
      this.timer.unref();
    }
  }

  private onTimer(at: number): void {
    this.timer = undefined;
    this.gridEntry = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    // a timer may fire a fraction of a millisecond early by this clock
    this.tickNow(Math.max(at, performance.now()));
  }

  private tickNow(now = performance.now()): void {
    this.disarm();
    const host = this.host;
    const step = probeTick(
      this.state,
      { now, peers: host.upPeers(), lastHeardAt: (p) => host.lastHeardAt(p) },
      this.rng,
    );
    this.state = step.state;
    for (const action of step.actions) this.run(action);
    if (step.nextAt !== undefined) this.arm(step.nextAt);
  }

  private run(action: ProbeAction): void {
    switch (action.type) {
      case 'ping':
        this.host.ping(action.peer);
        return;
      case 'pingReq':
        this.host.sendProbe(action.via, 'probe_req', action.target);
        return;
      case 'silent':
        this.host.silent(action.peer, action.silentForMs);
        return;
      default: {
        const unknown: never = action;
        throw new TypeError(`unknown probe action ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/** The tick grid of a probe period: whole seconds, or the period itself if it is not a multiple of one. */
export function probeGridMs(periodMs: number): number {
  return periodMs % 1000 === 0 ? 1000 : periodMs;
}
