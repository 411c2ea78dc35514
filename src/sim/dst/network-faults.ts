import { type Rng, randomInt } from '../../util/rng.js';

/** A window of message faults on the simulated network. */
export interface MessageFaultWindow {
  readonly from: number;
  readonly until: number;
  /** Probability of losing a message. */
  readonly loss: number;
  /** Probability of delivering a message twice. */
  readonly duplicate: number;
  /** Whether per-link FIFO order is suspended (messages overtake each other). */
  readonly reorder: boolean;
  /** Only eager pushes (`broadcast` messages) are affected. */
  readonly eagerOnly: boolean;
}

/** Latency and failure detection of the simulated channel layer. */
export interface ChannelTiming {
  readonly latencyMin: number;
  readonly latencyMax: number;
  /** Time a link is busy per message (models a send queue); 0 for none. */
  readonly serviceMs: number;
  /** Ping-timeout detection delay: how long until a silent peer is declared down. */
  readonly detectionMs: number;
  /** Delay between two dials of a wanted peer whose link is down. */
  readonly redialMs: number;
}

export const defaultChannelTiming: ChannelTiming = {
  latencyMin: 1,
  latencyMax: 20,
  serviceMs: 0,
  detectionMs: 600,
  redialMs: 500,
};

/** The faults active at `now` (the union of overlapping windows). */
export function activeFaults(windows: readonly MessageFaultWindow[], now: number) {
  let loss = 0;
  let eagerLoss = 0;
  let duplicate = 0;
  let reorder = false;
  for (const w of windows) {
    if (now < w.from || now >= w.until) continue;
    if (w.eagerOnly) eagerLoss = Math.max(eagerLoss, w.loss);
    else loss = Math.max(loss, w.loss);
    duplicate = Math.max(duplicate, w.duplicate);
    reorder ||= w.reorder;
  }
  return { loss, eagerLoss, duplicate, reorder };
}

/** A latency drawn uniformly in the timing's range. */
export function latency(rng: Rng, t: ChannelTiming): number {
  return t.latencyMin + randomInt(rng, t.latencyMax - t.latencyMin + 1);
}
