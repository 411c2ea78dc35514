import { call, cast } from '../../src/actors/index.js';
import {
  type BroadcastHandler,
  type BroadcastTransport,
  broadcastServerName,
} from '../../src/broadcast/index.js';

/**
 * In-process links between broadcast servers: messages are copied and delivered by
 * cast to the peer's registered server on a later macrotask; links can be cut.
 */
export class MemoryBroadcastNet {
  readonly cut = new Set<string>();
  readonly sent: { from: string; to: string; channel: string; type: string }[] = [];

  private key(a: string, b: string): string {
    return [a, b].sort().join('|');
  }

  partition(a: string, b: string): void {
    this.cut.add(this.key(a, b));
  }

  heal(): void {
    this.cut.clear();
  }

  transport(node: string): BroadcastTransport {
    return {
      send: (peer, channel, msg) => {
        this.sent.push({ from: node, to: peer, channel, type: msg.type });
        if (this.cut.has(this.key(node, peer))) return;
        const copy = structuredClone(msg);
        setImmediate(() =>
          cast(broadcastServerName(peer), { type: 'wire', from: node, msg: copy }),
        );
      },
      call: (peer, request, timeoutMs) => {
        if (this.cut.has(this.key(node, peer)))
          return Promise.reject(new Error(`${peer} unreachable`));
        return call(broadcastServerName(peer), request, timeoutMs);
      },
    };
  }
}

/** A handler that keeps every id it has seen, as the reference's test handlers do. */
export interface SetHandler extends BroadcastHandler<{ id: string }, string, { id: string }> {
  readonly seen: Map<string, { id: string }>;
  merges: number;
}

export function setHandler(
  name = 'test',
  overrides: Partial<BroadcastHandler<{ id: string }, string, { id: string }>> = {},
): SetHandler {
  const seen = new Map<string, { id: string }>();
  const h: SetHandler = {
    name,
    seen,
    merges: 0,
    broadcastData: (m) => {
      seen.set(m.id, m);
      return { id: m.id, payload: m };
    },
    merge: (id, payload) => {
      h.merges++;
      if (seen.has(id)) return false;
      seen.set(id, payload);
      return true;
    },
    isStale: (id) => seen.has(id),
    graft: (id) => {
      const p = seen.get(id);
      return p ? { ok: p } : 'stale';
    },
    exchange: () => 'ignore',
    ...overrides,
  };
  return h;
}
