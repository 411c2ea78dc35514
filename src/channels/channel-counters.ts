/**
 * Byte and frame counters per channel, and refused connections per close code: what
 * the metrics endpoint reports as `plumtree_channel_bytes_*_total{channel}`. Kept apart
 * from the sockets so that the shell only calls `record*` and the exporter only reads.
 */

/** Totals of one channel. */
export interface ChannelTotals {
  readonly framesSent: number;
  readonly bytesSent: number;
  readonly framesReceived: number;
  readonly bytesReceived: number;
}

/** Everything counted, as plain data. */
export interface CountersSnapshot {
  readonly channels: Readonly<Record<string, ChannelTotals>>;
  /** Connections this node closed, by WebSocket close code. */
  readonly closes: Readonly<Record<number, number>>;
  /** Connections the peer closed (or announced closing), by WebSocket close code. */
  readonly peerCloses: Readonly<Record<number, number>>;
}

type MutableTotals = { -readonly [K in keyof ChannelTotals]: ChannelTotals[K] };

/** Monotonic counters for one node's channel layer. */
export class ChannelCounters {
  private readonly channels = new Map<string, MutableTotals>();
  private readonly closes = new Map<number, number>();
  private readonly peerCloses = new Map<number, number>();

  /** Counts one frame of `bytes` sent on `channel`. */
  recordSent(channel: string, bytes: number): void {
    const totals = this.totals(channel);
    totals.framesSent++;
    totals.bytesSent += bytes;
  }

  /**
   * Counts one frame of `bytes` received on `channel`. Pass the channel after fallback
   * (`resolveChannel`): a peer choosing fresh channel names must not be able to
   * grow this table.
   */
  recordReceived(channel: string, bytes: number): void {
    const totals = this.totals(channel);
    totals.framesReceived++;
    totals.bytesReceived += bytes;
  }

  /** Counts a connection closed with `code` (a refused frame, a failed handshake...). */
  recordClose(code: number): void {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }

  /** Counts a connection the peer closed with `code`. */
  recordPeerClose(code: number): void {
    this.peerCloses.set(code, (this.peerCloses.get(code) ?? 0) + 1);
  }

  /** A copy of every counter, channels sorted by name. */
  snapshot(): CountersSnapshot {
    const channels: Record<string, ChannelTotals> = {};
    for (const name of [...this.channels.keys()].sort()) {
      channels[name] = { ...(this.channels.get(name) as MutableTotals) };
    }
    return { channels, closes: byCode(this.closes), peerCloses: byCode(this.peerCloses) };
  }

  private totals(channel: string): MutableTotals {
    let totals = this.channels.get(channel);
    if (totals === undefined) {
      totals = { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 };
      this.channels.set(channel, totals);
    }
    return totals;
  }
}

function byCode(counts: ReadonlyMap<number, number>): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [code, count] of [...counts].sort((a, b) => a[0] - b[0])) out[code] = count;
  return out;
}
