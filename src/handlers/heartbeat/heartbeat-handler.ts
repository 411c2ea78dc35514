/**
 * The membership heartbeat backend, as Partisan's partisan_plumtree_backend: every
 * node broadcasts `{ node, epoch, counter }` at an interval; the id is the payload.
 * Staleness is an interval set of counters per node and epoch (a newer epoch, i.e. a
 * restarted node, makes older ones stale), so it is answered in bounded memory.
 */

import type { BroadcastHandler, GraftAnswer } from '../../broadcast/handler.js';
import { MEMBERSHIP_CHANNEL } from '../../channels/node-spec.js';
import { IntervalSet } from './interval-set.js';

/** One heartbeat: its own id and payload. */
export interface Heartbeat {
  readonly node: string;
  readonly epoch: number;
  readonly counter: number;
}

/** The handler's name on every node. */
export const HEARTBEAT_HANDLER = 'heartbeat';

interface Seen {
  epoch: number;
  counters: IntervalSet;
  lastSeenAt: number;
}

function isHeartbeat(x: unknown): x is Heartbeat {
  const h = x as Heartbeat | null;
  return (
    typeof h === 'object' &&
    h !== null &&
    typeof h.node === 'string' &&
    Number.isInteger(h.epoch) &&
    h.epoch >= 0 &&
    Number.isInteger(h.counter) &&
    h.counter >= 0
  );
}

/** The heartbeat handler plus what it has learnt. */
export interface HeartbeatHandler extends BroadcastHandler<Heartbeat, Heartbeat, Heartbeat> {
  /** When a heartbeat of `node` last arrived (local clock), or undefined. */
  lastSeen(node: string): number | undefined;
  /** Nodes heard from, with their current epoch. */
  epochs(): Map<string, number>;
}

/** Creates the handler. `now` stamps arrivals for {@link HeartbeatHandler.lastSeen}. */
export function createHeartbeatHandler(now: () => number = Date.now): HeartbeatHandler {
  const seen = new Map<string, Seen>();

  /** 'new', 'known', or 'stale' (an older epoch than the one held). */
  const classify = (h: Heartbeat): 'new' | 'known' | 'stale' => {
    const s = seen.get(h.node);
    if (!s || h.epoch > s.epoch) return 'new';
    if (h.epoch < s.epoch) return 'stale';
    return s.counters.has(h.counter) ? 'known' : 'new';
  };

  const record = (h: Heartbeat): void => {
    let s = seen.get(h.node);
    if (!s || h.epoch > s.epoch) {
      s = { epoch: h.epoch, counters: new IntervalSet(), lastSeenAt: now() };
      seen.set(h.node, s);
    }
    s.counters.add(h.counter);
    s.lastSeenAt = now();
  };

  return {
    name: HEARTBEAT_HANDLER,
    broadcastData(h) {
      if (!isHeartbeat(h))
        throw new TypeError('a heartbeat is { node, epoch, counter } with integers >= 0');
      record(h);
      return { id: h, payload: h };
    },
    merge(id) {
      if (!isHeartbeat(id) || classify(id) !== 'new') return false;
      record(id);
      return true;
    },
    isStale(id) {
      return !isHeartbeat(id) || classify(id) !== 'new';
    },
    graft(id): GraftAnswer<Heartbeat> {
      if (!isHeartbeat(id)) return { error: 'malformed heartbeat id' };
      // Only the current epoch's heartbeats are worth sending: older ones are stale everywhere.
      return classify(id) === 'known' ? { ok: id } : 'stale';
    },
    exchange: () => 'ignore',
    broadcastChannel: () => MEMBERSHIP_CHANNEL,
    lastSeen: (node) => seen.get(node)?.lastSeenAt,
    epochs: () => new Map([...seen].map(([n, s]) => [n, s.epoch])),
  };
}
