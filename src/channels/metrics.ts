import type { Counter, Gauge, MetricsRegistry } from '../metrics/registry.js';
import { ChannelCounters, type ChannelTotals } from './channel-counters.js';

/** The metric names the channel layer exports. */
export const ChannelMetricNames = {
  bytesSent: 'plumtree_channel_bytes_sent_total',
  bytesReceived: 'plumtree_channel_bytes_received_total',
  framesSent: 'plumtree_channel_frames_sent_total',
  framesReceived: 'plumtree_channel_frames_received_total',
  closes: 'plumtree_channel_closes_total',
  queueRejected: 'plumtree_channel_queue_rejected_total',
  peerEvents: 'plumtree_channel_peer_events_total',
  peersUp: 'plumtree_channel_peers_up',
} as const;

/**
 * {@link ChannelCounters} that also feed a metrics registry. Counting a frame stays a
 * map update; the registry (whose label handling costs more) is brought up to date at
 * most once per event-loop turn, with the difference since the last update.
 */
export class MeteredCounters extends ChannelCounters {
  readonly queueRejected: Counter;
  readonly peerEvents: Counter;
  readonly peersUp: Gauge;
  private readonly bytesSent: Counter;
  private readonly bytesReceived: Counter;
  private readonly framesSent: Counter;
  private readonly framesReceived: Counter;
  private readonly closeCounter: Counter;
  private exported = new Map<string, ChannelTotals>();
  private exportedCloses = new Map<string, number>();
  private pending: ReturnType<typeof setImmediate> | undefined;

  /** `declaredChannels` get their byte and frame series at 0 from the start. */
  constructor(registry: MetricsRegistry, declaredChannels: readonly string[] = []) {
    super();
    const c = (name: string, help: string) => registry.counter(name, help);
    this.bytesSent = c(ChannelMetricNames.bytesSent, 'Bytes of frames sent, by channel');
    this.bytesReceived = c(
      ChannelMetricNames.bytesReceived,
      'Bytes of frames received, by channel',
    );
    this.framesSent = c(ChannelMetricNames.framesSent, 'Frames sent, by channel');
    this.framesReceived = c(ChannelMetricNames.framesReceived, 'Frames received, by channel');
    this.closeCounter = c(
      ChannelMetricNames.closes,
      'Connections closed, by close code and closing side',
    );
    this.queueRejected = c(
      ChannelMetricNames.queueRejected,
      'Sends refused because the peer queue was full',
    );
    this.peerEvents = c(ChannelMetricNames.peerEvents, 'Peers reported up or down');
    this.peersUp = registry.gauge(ChannelMetricNames.peersUp, 'Peers with a live connection');
    for (const channel of declaredChannels) {
      for (const c of [this.bytesSent, this.bytesReceived, this.framesSent, this.framesReceived]) {
        c.bind({ channel });
      }
    }
  }

  override recordSent(channel: string, bytes: number): void {
    super.recordSent(channel, bytes);
    this.schedule();
  }

  override recordReceived(channel: string, bytes: number): void {
    super.recordReceived(channel, bytes);
    this.schedule();
  }

  override recordClose(code: number): void {
    super.recordClose(code);
    this.schedule();
  }

  override recordPeerClose(code: number): void {
    super.recordPeerClose(code);
    this.schedule();
  }

  /** Brings the registry up to date now and cancels the pending update. */
  flush(): void {
    if (this.pending !== undefined) clearImmediate(this.pending);
    this.pending = undefined;
    const snap = this.snapshot();
    for (const [channel, totals] of Object.entries(snap.channels)) {
      const before = this.exported.get(channel);
      const labels = { channel };
      const add = (counter: Counter, now: number, then: number | undefined) => {
        const delta = now - (then ?? 0);
        if (delta > 0) counter.inc(labels, delta);
      };
      add(this.bytesSent, totals.bytesSent, before?.bytesSent);
      add(this.bytesReceived, totals.bytesReceived, before?.bytesReceived);
      add(this.framesSent, totals.framesSent, before?.framesSent);
      add(this.framesReceived, totals.framesReceived, before?.framesReceived);
      this.exported.set(channel, totals);
    }
    const closes: [string, Readonly<Record<number, number>>][] = [
      ['local', snap.closes],
      ['peer', snap.peerCloses],
    ];
    for (const [by, counts] of closes) {
      for (const [code, count] of Object.entries(counts)) {
        const key = `${by}:${code}`;
        const delta = count - (this.exportedCloses.get(key) ?? 0);
        if (delta > 0) this.closeCounter.inc({ code, by }, delta);
        this.exportedCloses.set(key, count);
      }
    }
  }

  private schedule(): void {
    if (this.pending === undefined) this.pending = setImmediate(() => this.flush());
  }
}
