/**
 * The simulated channel layer: connections between nodes, their failure detection
 * and the messages on them. A connection carries an id; a message sent on it is lost
 * if that connection is gone when it would arrive, as bytes on a closed TCP
 * connection are. Wanted peers whose connection is down are re-dialled, as the real
 * channel actors do. Membership sends to a peer without a connection open a
 * short-lived one (and report `sendFailed` after the detection delay if they cannot).
 */
import type { WireMessage } from '../../broadcast/core/index.js';
import type { MembershipWireMessage, NodeEnvelope } from '../../node-core/index.js';
import type { Rng } from '../../util/rng.js';
import {
  activeFaults,
  type ChannelTiming,
  latency,
  type MessageFaultWindow,
} from './network-faults.js';
import { describeMessage, type Trace } from './trace.js';

/** What the channel layer needs of the world. */
export interface ChannelWorld {
  readonly now: number;
  readonly rng: Rng;
  readonly trace: Trace;
  after(delayMs: number, action: () => void): void;
  /** Whether `a` can open a connection to `b` now (both up, not paused, not partitioned). */
  reachable(a: string, b: string): boolean;
  /** Hands an event to the live incarnation of `node` (queued while it is paused). */
  deliver(node: string, event: ChannelEvent): void;
  /** Counts a message drop by reason. */
  dropped(reason: string): void;
}

/** What the channel layer tells a node. */
export type ChannelEvent =
  | { readonly type: 'up'; readonly peer: string }
  | { readonly type: 'down'; readonly peer: string }
  | { readonly type: 'sendFailed'; readonly peer: string }
  | { readonly type: 'receive'; readonly from: string; readonly envelope: NodeEnvelope };

interface Link {
  readonly id: number;
}

const pair = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** The connections of the whole simulated cluster. */
export class SimChannels {
  private readonly links = new Map<string, Link>();
  private readonly wants = new Map<string, Set<string>>();
  private readonly dialing = new Set<string>();
  private readonly lastArrival = new Map<string, number>();
  private nextLink = 1;
  readonly faults: MessageFaultWindow[] = [];
  /** Sabotage for oracle self-tests: Plumtree messages it matches are silently lost. */
  blackhole: ((to: string, msg: WireMessage) => boolean) | undefined;

  constructor(
    private readonly world: ChannelWorld,
    readonly timing: ChannelTiming,
  ) {}

  /** Whether `a` and `b` have a connection. */
  isUp(a: string, b: string): boolean {
    return this.links.has(pair(a, b));
  }

  /** `from` wants a connection to `peer` (the `connect` effect). */
  connect(from: string, peer: string): void {
    if (from === peer) return;
    let set = this.wants.get(from);
    if (set === undefined) {
      set = new Set();
      this.wants.set(from, set);
    }
    set.add(peer);
    if (!this.isUp(from, peer)) this.dial(from, peer);
  }

  /** `from` closes its connection to `peer` and stops re-dialling (the `disconnect` effect). */
  disconnect(from: string, peer: string): void {
    this.wants.get(from)?.delete(peer);
    if (!this.isUp(from, peer)) return;
    this.tearDown(from, peer, 0, this.lat());
  }

  /** Sends on the membership channel, opening a short-lived connection if needed. */
  sendMembership(from: string, to: string, msg: MembershipWireMessage): void {
    const w = this.world;
    if (!w.reachable(from, to)) {
      w.after(this.timing.detectionMs, () => w.deliver(from, { type: 'sendFailed', peer: to }));
      return;
    }
    this.transmit(from, to, { layer: 'membership', msg }, undefined);
  }

  /** Sends a Plumtree message; dropped when there is no connection. */
  sendBroadcast(from: string, to: string, msg: WireMessage): void {
    const link = this.links.get(pair(from, to));
    if (link === undefined) {
      this.world.dropped('no-connection');
      if (this.world.trace.enabled) {
        this.world.trace.add(
          this.world.now,
          from,
          `drop ${describeMessage(msg)} to ${to}: no link`,
        );
      }
      return;
    }
    if (this.blackhole?.(to, msg)) return;
    this.transmit(from, to, { layer: 'broadcast', msg }, link.id);
  }

  /** A node crashed: its sockets close, its peers see it at once (connection reset). */
  crashed(node: string): void {
    this.wants.delete(node);
    for (const key of [...this.links.keys()]) {
      const [a, b] = key.split('|') as [string, string];
      if (a === node || b === node) this.tearDown(node, a === node ? b : a, -1, this.lat());
    }
  }

  /** Connections `cut` says are broken (a partition or a long pause) time out on both ends. */
  timeOut(cut: (a: string, b: string) => boolean): void {
    for (const key of [...this.links.keys()]) {
      const [a, b] = key.split('|') as [string, string];
      if (cut(a, b)) this.tearDown(a, b, this.timing.detectionMs, this.timing.detectionMs);
    }
  }

  private transmit(from: string, to: string, envelope: NodeEnvelope, linkId: number | undefined) {
    const w = this.world;
    const f = activeFaults(this.faults, w.now);
    const eager = envelope.layer === 'broadcast' && envelope.msg.type === 'broadcast';
    const loss = eager ? Math.max(f.loss, f.eagerLoss) : f.loss;
    if (loss > 0 && w.rng.next() < loss) {
      w.dropped('loss');
      if (w.trace.enabled)
        w.trace.add(w.now, from, `lose ${describeMessage(envelope.msg)} to ${to}`);
      return;
    }
    const copies = f.duplicate > 0 && w.rng.next() < f.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const dir = `${from}>${to}`;
      let at = w.now + this.lat();
      if (!f.reorder) at = Math.max(at, this.lastArrival.get(dir) ?? 0);
      at += this.timing.serviceMs;
      this.lastArrival.set(dir, at);
      w.after(at - w.now, () => {
        if (linkId !== undefined && this.links.get(pair(from, to))?.id !== linkId) {
          w.dropped('connection-closed');
          return;
        }
        w.deliver(to, { type: 'receive', from, envelope });
      });
    }
  }

  private dial(from: string, peer: string): void {
    const key = `${from}>${peer}`;
    if (this.dialing.has(key)) return;
    this.dialing.add(key);
    const w = this.world;
    const rtt = this.lat() * 2;
    w.after(rtt, () => {
      this.dialing.delete(key);
      if (!this.wants.get(from)?.has(peer) || this.isUp(from, peer)) return;
      if (w.reachable(from, peer)) {
        const link = { id: this.nextLink++ };
        this.links.set(pair(from, peer), link);
        w.trace.add(w.now, from, `link up with ${peer}`);
        w.deliver(from, { type: 'up', peer });
        w.deliver(peer, { type: 'up', peer: from });
        return;
      }
      w.after(this.timing.detectionMs, () => {
        if (this.isUp(from, peer)) return;
        w.deliver(from, { type: 'down', peer });
        this.redialLater(from, peer);
      });
    });
  }

  /** Closes a link; each end hears of it after its delay (negative: not told, it is gone). */
  private tearDown(a: string, b: string, delayA: number, delayB: number): void {
    const key = pair(a, b);
    const link = this.links.get(key);
    if (link === undefined) return;
    this.links.delete(key);
    const w = this.world;
    w.trace.add(w.now, a, `link down with ${b}`);
    const tell = (node: string, peer: string, delay: number) => {
      if (delay < 0) return;
      w.after(delay, () => {
        if (this.links.get(key) !== undefined) return;
        w.deliver(node, { type: 'down', peer });
        this.redialLater(node, peer);
      });
    };
    tell(a, b, delayA);
    tell(b, a, delayB);
  }

  private redialLater(from: string, peer: string): void {
    this.world.after(this.timing.redialMs, () => {
      if (this.wants.get(from)?.has(peer) && !this.isUp(from, peer)) this.dial(from, peer);
    });
  }

  private lat(): number {
    return latency(this.world.rng, this.timing);
  }
}
