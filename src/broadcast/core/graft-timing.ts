import type { NodeName } from './messages.js';

/** Grafts awaiting their payload, remembered to time the round trip. */
const MAX_PENDING = 256;

/**
 * Graft timeouts fitted to the round trips this node has seen, for
 * `graftTimeouts: 'fitted'`.
 *
 * A fixed `graftTimeout1` of 500 ms is the reference's guess for a WAN; on a LAN
 * or loopback a lost payload then costs half a second of waiting for a copy that
 * is not coming. iroh-gossip waits 80 ms then 40 ms. Here the wait follows what
 * was measured: every graft that asks for a payload is a round trip (graft out,
 * payload back from the same peer), sampled into a smoothed estimate and its
 * variation as TCP does for its retransmission timer (RFC 6298: gains 1/8 and
 * 1/4, timeout = estimate + 4 × variation). The first graft waits twice that
 * (the eager copy may be one tree hop further than the announcer), a further
 * graft once that, each clamped between `minGraftTimeout` and the fixed
 * `graftTimeout1` / `graftTimeout2`, so a slow or congested network never waits
 * longer than the fixed policy. Before the first sample the fixed values apply.
 */
export class GraftTiming {
  private srtt: number | undefined;
  private rttvar = 0;
  private samples = 0;
  /** Message key → the graft asking for it; insertion order is age order. */
  private readonly pending = new Map<string, { readonly peer: NodeName; readonly at: number }>();

  /** A graft for `key`'s payload was sent to `peer` at `now`. */
  sent(key: string, peer: NodeName, now: number): void {
    this.pending.delete(key);
    this.pending.set(key, { peer, at: now });
    if (this.pending.size > MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
  }

  /**
   * `key`'s payload arrived from `from` at `now`. Only the payload of the peer that
   * was grafted is a sample: a copy that came another way says nothing about that
   * round trip. Returns whether it was a sample.
   */
  received(key: string, from: NodeName, now: number): boolean {
    const graft = this.pending.get(key);
    if (graft === undefined) return false;
    this.pending.delete(key);
    if (graft.peer !== from) return false;
    this.sample(now - graft.at);
    return true;
  }

  /** Feeds one round trip of `ms` into the estimate. */
  sample(ms: number): void {
    const r = Math.max(0, ms);
    this.samples++;
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
    this.srtt = 0.875 * this.srtt + 0.125 * r;
  }

  /** Round trips sampled so far. */
  get sampleCount(): number {
    return this.samples;
  }

  /** Grafts still awaiting their payload (bounded). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * The wait before the first (`1`) or a further (`2`) graft: the fixed value
   * (`fixed`) until a round trip was measured, then the fitted one, never above
   * the fixed value nor below `min`.
   */
  timeout(which: 1 | 2, fixed: number, min: number): number {
    if (this.srtt === undefined) return fixed;
    const rto = this.srtt + 4 * this.rttvar;
    const fitted = which === 1 ? 2 * rto : rto;
    return Math.min(fixed, Math.max(min, fitted));
  }
}
