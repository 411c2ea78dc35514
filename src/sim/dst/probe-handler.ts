/**
 * The delivery probe: a broadcast handler whose messages are bare ids, stored in a
 * durable set on the node's simulated disk, with a push-pull anti-entropy exchange
 * over the simulated network. The delivery oracle judges what it received.
 */
import type { BroadcastHandler, ExchangeAnswer, GraftAnswer } from '../../broadcast/handler.js';
import type { SimDisk } from './sim-disk.js';

/** The probe handler's name. */
export const PROBE_HANDLER = 'probe';

/** What the probe needs of the world around it. */
export interface ProbeWorld {
  /** `node` merged `id` as new (by a broadcast or an exchange). */
  mergedNew(node: string, id: string): void;
  /**
   * A synchronous round trip to `peer`'s probe set, or undefined when the peer cannot
   * be reached now; the peer merges `mine` and answers with what it holds.
   */
  pushPull(from: string, peer: string, mine: readonly string[]): readonly string[] | undefined;
}

/** The probe handler of one node incarnation. */
export interface ProbeHandler extends BroadcastHandler<string, string, null> {
  /** Merges ids pushed by a peer's exchange; returns what this node holds. */
  answerPush(ids: readonly string[]): string[];
  has(id: string): boolean;
}

/** Creates the probe handler over `disk`; `antiEntropy` off makes `exchange` answer `ignore`. */
export function createProbeHandler(
  node: string,
  disk: SimDisk,
  world: ProbeWorld,
  antiEntropy: boolean,
): ProbeHandler {
  const ids = disk.probeIds;
  const add = (id: string): boolean => {
    if (ids.has(id)) return false;
    ids.add(id);
    world.mergedNew(node, id);
    return true;
  };
  return {
    name: PROBE_HANDLER,
    broadcastData(id) {
      ids.add(id);
      return { id, payload: null };
    },
    merge: (id) => typeof id === 'string' && add(id),
    isStale: (id) => ids.has(id),
    graft: (id): GraftAnswer<null> => (ids.has(id) ? { ok: null } : 'stale'),
    exchange(peer): ExchangeAnswer {
      if (!antiEntropy) return 'ignore';
      const theirs = world.pushPull(node, peer, [...ids]);
      if (theirs === undefined) return { error: `cannot reach ${peer}` };
      for (const id of theirs) add(id);
      return { ok: { peer } };
    },
    answerPush(pushed) {
      for (const id of pushed) add(id);
      return [...ids];
    },
    has: (id) => ids.has(id),
  };
}
