/**
 * Several services share a node's channels: the peer service and the broadcast server
 * both send data frames, sometimes on the same channel (the heartbeat handler uses the
 * membership channel). Each frame is tagged with its service, and one subscription to
 * the channels hands it to the right one.
 */
import { cast } from '../actors/index.js';
import { frameWeight, InboxBound } from '../broadcast/inbox-bound.js';
import { broadcastServerName } from '../broadcast/server.js';
import type { BroadcastTransport } from '../broadcast/transport.js';
import type { Channels } from '../channels/channels.js';
import type { PeerEvent, PeerTransport } from '../peer-service/transport.js';

/** The service tag of a data frame. */
type Service = 'ps' | 'bc';

interface Tagged {
  readonly svc: Service;
  readonly m: unknown;
}

function isTagged(x: unknown): x is Tagged {
  return (
    typeof x === 'object' &&
    x !== null &&
    ((x as Tagged).svc === 'ps' || (x as Tagged).svc === 'bc') &&
    'm' in x
  );
}

/** Routes a node's incoming data frames by service. */
export class ServiceRouter {
  private readonly ps = new Set<(peer: string, channel: string, msg: unknown) => void>();
  private readonly detach: (() => void)[];
  /** Frames without a known service tag, dropped. */
  untagged = 0;
  /** The bound on frames queued for the broadcast server; hand it to the server. */
  readonly inbox: InboxBound;

  constructor(
    private readonly channels: Channels,
    node: string,
    inboxLimit?: number,
  ) {
    this.inbox = new InboxBound(inboxLimit);
    const server = broadcastServerName(node);
    this.detach = [
      channels.onData((peer, channel, msg) => {
        if (!isTagged(msg)) {
          this.untagged++;
          return;
        }
        if (msg.svc === 'bc') {
          const type = (msg.m as { type?: unknown } | null)?.type;
          if (this.inbox.admit(type, frameWeight(msg.m)))
            cast(server, { type: 'wire', from: peer, msg: msg.m });
        } else for (const h of this.ps) h(peer, channel, msg.m);
      }),
      channels.onPeerEvent((e: PeerEvent) =>
        cast(server, { type: e.type === 'up' ? 'peerUp' : 'peerDown', peer: e.peer }),
      ),
    ];
  }

  /** The peer service's view of the channels. */
  peerTransport(): PeerTransport {
    const ch = this.channels;
    return {
      get spec() {
        return ch.spec;
      },
      connect: (target) => ch.connect(target),
      send: (peer, channel, msg) => ch.send(peer, channel, { svc: 'ps', m: msg } satisfies Tagged),
      onData: (h) => {
        this.ps.add(h);
        return () => this.ps.delete(h);
      },
      onPeerEvent: (h) => ch.onPeerEvent(h),
      disconnect: (peer) => ch.disconnect(peer),
      connectedPeers: () => ch.connectedPeers(),
    };
  }

  /** The broadcast server's view of the channels. */
  broadcastTransport(): BroadcastTransport {
    const ch = this.channels;
    // The core hands one message object to every eager peer: one tagged wrapper (and
    // so one encoding, see `sendShared`) serves them all.
    let lastMsg: unknown;
    let lastTagged: Tagged | undefined;
    const tagged = (msg: unknown): Tagged => {
      if (msg !== lastMsg || lastTagged === undefined) {
        lastMsg = msg;
        lastTagged = { svc: 'bc', m: msg };
      }
      return lastTagged;
    };
    return {
      send: (peer, channel, msg) => ch.sendShared(peer, channel, tagged(msg)),
      call: (peer, request, timeoutMs) =>
        ch.callRemote({ name: 'plumtree_broadcast', node: peer }, request, timeoutMs),
    };
  }

  close(): void {
    for (const d of this.detach) d();
    this.ps.clear();
  }
}
