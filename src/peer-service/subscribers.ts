/**
 * Who wants to hear about membership and about peers going up or down. Kept outside
 * the actors, like Partisan's outstanding table, so a subscription survives a restart
 * of the actor that publishes to it: the restarted publisher finds the same
 * subscribers.
 */

/** Called with the sorted member list (self included) on every change. */
export type MembershipListener = (members: readonly string[]) => void | Promise<void>;
/** Called with the name of a member whose channel came up or went down. */
export type PeerListener = (peer: string) => void | Promise<void>;

/** Called with a member the peer service removed for being down, and for how long it was. */
export type ReapedListener = (peer: string, downForMs: number) => void | Promise<void>;

interface PeerSubscription {
  readonly name: string | '*';
  readonly fn: PeerListener;
}

/** The subscriber table of one node's peer service. */
export class Subscribers {
  readonly membership = new Map<unknown, MembershipListener>();
  readonly up = new Set<PeerSubscription>();
  readonly down = new Set<PeerSubscription>();
  readonly reaped = new Set<ReapedListener>();
  /** The last membership published, replayed to a new subscriber. */
  lastMembers: readonly string[] | undefined;

  /**
   * Adds a membership listener. With `key`, a later subscription under the same key
   * replaces this one (a restarted subscriber re-subscribing does not pile up).
   */
  subscribe(fn: MembershipListener, key: unknown = Symbol('subscription')): () => void {
    this.membership.set(key, fn);
    return () => {
      if (this.membership.get(key) === fn) this.membership.delete(key);
    };
  }

  onUp(name: string | '*', fn: PeerListener): () => void {
    const s = { name, fn };
    this.up.add(s);
    return () => this.up.delete(s);
  }

  onDown(name: string | '*', fn: PeerListener): () => void {
    const s = { name, fn };
    this.down.add(s);
    return () => this.down.delete(s);
  }

  onReaped(fn: ReapedListener): () => void {
    this.reaped.add(fn);
    return () => this.reaped.delete(fn);
  }

  /** @internal The listeners of `kind` interested in `peer`. */
  peerListeners(kind: 'up' | 'down', peer: string): PeerListener[] {
    return [...(kind === 'up' ? this.up : this.down)]
      .filter((s) => s.name === '*' || s.name === peer)
      .map((s) => s.fn);
  }
}
