import type { Announcement, NodeName } from './messages.js';

/**
 * Lazy announcements owed to each peer and not yet acknowledged: a multimap
 * peer → announcements, keyed within a peer by the message key.
 *
 * It lives outside the server state on purpose, like the reference's table owned
 * by the supervisor: a shell that restarts a crashed server passes the old
 * instance to the new state, so pending announcements survive the restart.
 *
 * Within a peer, entries keep insertion order, so the oldest is the first one;
 * re-adding a key replaces the entry but keeps its place. The class only stores;
 * the core enforces the per-peer cap.
 */
export class Outstanding {
  private readonly byPeer = new Map<NodeName, Map<string, Announcement>>();
  private total = 0;

  /** Records `entry` for `peer` under `key`. Returns true when the key was not there yet. */
  add(peer: NodeName, key: string, entry: Announcement): boolean {
    let entries = this.byPeer.get(peer);
    if (entries === undefined) {
      entries = new Map();
      this.byPeer.set(peer, entries);
    }
    // One lookup, not `has` then `set`: every lazy announcement of a run comes here.
    const before = entries.size;
    entries.set(key, entry);
    if (entries.size === before) return false;
    this.total++;
    return true;
  }

  /** Acknowledges one announcement. Returns whether it was there. */
  delete(peer: NodeName, key: string): boolean {
    const entries = this.byPeer.get(peer);
    if (entries === undefined || !entries.delete(key)) return false;
    this.total--;
    if (entries.size === 0) this.byPeer.delete(peer);
    return true;
  }

  /** Whether `peer` is owed the announcement `key`. */
  has(peer: NodeName, key: string): boolean {
    return this.byPeer.get(peer)?.has(key) ?? false;
  }

  /** Removes and returns the oldest announcement owed to `peer`. */
  evictOldest(peer: NodeName): Announcement | undefined {
    const entries = this.byPeer.get(peer);
    if (entries === undefined) return undefined;
    for (const [key, entry] of entries) {
      this.delete(peer, key);
      return entry;
    }
    return undefined;
  }

  /** Forgets everything owed to `peer`; returns how many entries went. */
  deletePeer(peer: NodeName): number {
    const entries = this.byPeer.get(peer);
    if (entries === undefined) return 0;
    this.byPeer.delete(peer);
    this.total -= entries.size;
    return entries.size;
  }

  /** Announcements owed to `peer`, oldest first. */
  entriesFor(peer: NodeName): IterableIterator<Announcement> {
    return (this.byPeer.get(peer) ?? EMPTY).values();
  }

  /** How many announcements `peer` is owed. */
  countFor(peer: NodeName): number {
    return this.byPeer.get(peer)?.size ?? 0;
  }

  /** Peers owed at least one announcement. */
  peers(): IterableIterator<NodeName> {
    return this.byPeer.keys();
  }

  /** Every entry as `[peer, key, announcement]`, e.g. to persist or inspect the table. */
  *entries(): IterableIterator<[NodeName, string, Announcement]> {
    for (const [peer, entries] of this.byPeer) {
      for (const [key, entry] of entries) yield [peer, key, entry];
    }
  }

  /** Announcements over all peers. */
  get size(): number {
    return this.total;
  }

  /** Forgets everything. */
  clear(): void {
    this.byPeer.clear();
    this.total = 0;
  }
}

const EMPTY: ReadonlyMap<string, Announcement> = new Map();
