import { InvalidOptionError } from './errors.js';
import { type MessageKeyFn, messageKey } from './message-key.js';

/** How a node picks its initial eager and lazy peers when none are given explicitly. */
export type InitialSetsMode =
  /**
   * The documented rule (1 member: none; 2: the other eager; fewer than 5: one
   * eager, one lazy; otherwise two eager, one lazy), with the first eager peer being
   * the node's successor in name order and the rest random. The successor makes
   * every node somebody's peer, so the overlay is strongly connected whenever the
   * nodes agree on the membership; purely random picks leave about e^-3 ≈ 5% of
   * the nodes chosen by nobody, and those never receive anything.
   */
  | 'documented'
  /** The documented rule with purely random picks, as the reference describes it. */
  | 'random'
  /** Every other member eager, as the reference's code does; pruning builds the tree. */
  | 'allEager';

/** How a peer is chosen for an anti-entropy exchange. */
export type ExchangeSelection =
  /** Prefer connected members in neither the eager nor the lazy set of a random root. */
  | 'optimized'
  /** Any connected member. */
  | 'normal';

/** What an `update` with new members does to the per-root sets. */
export type JoinMode =
  /** Keep every learned tree and add the new member as eager to each. */
  | 'keepLearned'
  /** Forget every per-root tree, as the reference does. */
  | 'reset';

/** How long a missing message waits before it is grafted. */
export type GraftTimeouts =
  /** `graftTimeout1` then `graftTimeout2`, as the paper and the reference. */
  | 'fixed'
  /**
   * Fitted to the round trips of this node's grafts (graft out, payload back):
   * twice the retransmission timeout RFC 6298 would compute for the first graft,
   * once it for a further one, clamped to [`minGraftTimeout`, the fixed value].
   * Before the first round trip was measured, the fixed values.
   */
  | 'fitted';

/** Where the sets of a root seen for the first time come from. */
export type NewRootSeed =
  /**
   * Copy the eager set of the oldest tree learned here (a spanning tree is one for
   * every root, and links are symmetric), keeping all other links lazy, so the
   * first broadcast of a new sender rides an existing tree instead of flooding.
   */
  | 'learned'
  /**
   * Like `learned`, but a root broadcasting for the first time picks the learned
   * tree it sits closest to the root of (fewest hops in that tree's latest message)
   * and names it in its messages (`seed`), so that every node copies that same
   * tree. A tree rooted next to the sender reaches everyone in about the tree's
   * height plus one hop, where the oldest tree, seen from a sender at its far edge,
   * takes up to twice its height. A node that does not hold the named tree falls
   * back to `learned`.
   */
  | 'nearest'
  /** The common sets, as the reference does. */
  | 'common';

/**
 * Tunables of the broadcast core. Each improvement over the reference can be
 * switched off to get the reference's behaviour back.
 */
export interface PlumtreeOptions {
  /** ms between lazy ticks (a core timer, armed only while announcements are owed). Default 1000. */
  readonly lazyTickPeriod: number;
  /** ms between exchange ticks (a core timer). Default 10000. */
  readonly exchangeTickPeriod: number;
  /** At most this many exchanges started here run at once. Default 1. */
  readonly startExchangeLimit: number;
  /** Peer selection for exchanges. Default `'optimized'`. */
  readonly exchangeSelection: ExchangeSelection;
  /** Initial sets when none are given explicitly. Default `'documented'`. */
  readonly initialSets: InitialSetsMode;
  /**
   * With `'documented'` initial sets, a cluster of at most this many members (this
   * node included) starts all-eager and lets pruning build the tree: the sparse rule
   * with its ring successor can chain a small cluster (4 nodes: p1→p2→p3→p4, three
   * hops where one would do), while flooding a handful of nodes once costs little.
   * 0 keeps the sparse rule at every size. Default 5.
   */
  readonly allEagerUpTo: number;
  /**
   * Wait for the eager copy before grafting, then graft one announcer at a time
   * (the paper). Off: graft every announcer at once, as the reference. Default on.
   */
  readonly delayedGraft: boolean;
  /** ms from the first announcement of a missing message to the first graft. Default 500. */
  readonly graftTimeout1: number;
  /** ms between further grafts to the next announcers. Default 250. */
  readonly graftTimeout2: number;
  /** Fixed or fitted graft timeouts (see {@link GraftTimeouts}). Default `'fixed'`: with `'fitted'` the DST finds a tree left spanning only lazily (docs/plumtree-core.md). */
  readonly graftTimeouts: GraftTimeouts;
  /** With `'fitted'` timeouts, the shortest wait before a graft, in ms. Default 20. */
  readonly minGraftTimeout: number;
  /**
   * Longest a due graft is put off, counted from the first announcement, while the
   * tree's eager parent is alive and busy (it pushed a payload of the same tree
   * less than `graftTimeout1` ago): the eager copy is then most likely queued
   * behind a burst, and grafting would pull a duplicate and prune a working link.
   * A dead or silent parent is grafted around after `graftTimeout1` as before.
   * 0 never postpones. Default 5000.
   */
  readonly maxGraftPostpone: number;
  /**
   * Act on a peer reported down at once rather than at the next lazy tick: trees
   * whose eager parent it was get a new one (a link-only graft to a live lazy peer,
   * the root itself when it is a live member; the new parent announces at once what
   * followed the last payload the graft names), missing messages are grafted from
   * their live announcers, announcements owed are sent now, and a node that
   * re-parented grafts after `repairGraftTimeout` only, for `repairWindowMs`.
   * Off: a down peer only re-links the ring (as before). Default on.
   */
  readonly fastRepair: boolean;
  /** ms after re-parenting during which grafts wait `repairGraftTimeout`. Default 1000. */
  readonly repairWindowMs: number;
  /** ms before a graft (first and further) during a repair window. Default 40. */
  readonly repairGraftTimeout: number;
  /** Announcers remembered per missing message. Default 4. */
  readonly maxAnnouncersPerMessage: number;
  /** Missing messages tracked at once; the oldest is dropped beyond. Default 4096. */
  readonly maxMissing: number;
  /** Swap an eager link for a lazy one that is much shorter (paper §3.8). Default on. */
  readonly treeOptimization: boolean;
  /** Swap when the lazy round is smaller than the eager one by more than this. Default 3. */
  readonly optimizationThreshold: number;
  /**
   * After this node's path to a root gets shorter (the optimisation swapped its
   * eager link, or the parent it has announces a smaller round for the same
   * message), announce that message again at once, with the new round, to the
   * tree's other links. Without it, a swap only shortens the next message's paths
   * one hop further down the tree, so a tree needs about its height in messages
   * from its root to become a shortest-hop tree; with it, the shorter round
   * spreads through the tree within the message that found it (a distance-vector
   * update: a node's round only decreases, so each node announces at most its
   * initial depth times per message). Needs `treeOptimization`. Default off.
   */
  readonly announceShorterPaths: boolean;
  /**
   * When a member whose payloads fed a tree here leaves the membership (a partial
   * view such as HyParView's drops a link while both ends are alive), re-attach
   * that tree at once with a link-only graft: to the lazy peer that announced the
   * tree's latest message with the smallest round when that round is at most one
   * more than ours (it cannot be below us in the tree), else as `fastRepair` does
   * for a peer down. Without it the subtree below is cut off until the next
   * message's announcements graft it back, from whichever announcer comes first,
   * often deep in the tree. And when this node's own tree is left without an
   * eager link, its links there become eager again, so its next message is
   * pushed rather than only announced. Default off.
   */
  readonly repairOnLeave: boolean;
  /** Recently delivered messages whose round is remembered for the optimisation. Default 4096. */
  readonly roundCacheSize: number;
  /** Batch announcements per peer per tick. Off: one `i_have` per announcement. Default on. */
  readonly batchIHaves: boolean;
  /** Announcements per batched `i_have` message. Default 256. */
  readonly maxIHaveEntries: number;
  /**
   * Outstanding announcements kept per peer that is down or far behind (see
   * `farBehindTicks`); beyond, its oldest is evicted (and counted with the reason),
   * so an unreachable peer costs bounded memory. A connected peer that keeps
   * acknowledging never loses an entry: an evicted announcement whose eager copy
   * was lost would be lost for good. Default 4096; `Infinity` is the reference's
   * unbounded table.
   */
  readonly maxOutstandingPerPeer: number;
  /**
   * A connected peer is far behind when it has answered none of our `i_have`s
   * (no `ignored_i_have`, no `graft`) for this many lazy ticks since the first
   * unanswered one. Default 10.
   */
  readonly farBehindTicks: number;
  /** What new members do to learned trees. Default `'keepLearned'`. */
  readonly joinMode: JoinMode;
  /** How a new root's sets start. Default `'learned'`. */
  readonly newRootSeed: NewRootSeed;
  /**
   * Per-root trees kept; beyond, the least recently used (but the template) is
   * dropped and that root starts over from the template. Roots are any senders, not only members,
   * so this bounds memory under partial views. Default 1024.
   */
  readonly maxTrees: number;
  /** How ids become map keys. Default {@link messageKey}. */
  readonly messageKey: MessageKeyFn;
}

/** The defaults; see each option. */
export const defaultPlumtreeOptions: PlumtreeOptions = Object.freeze({
  lazyTickPeriod: 1000,
  exchangeTickPeriod: 10_000,
  startExchangeLimit: 1,
  exchangeSelection: 'optimized',
  initialSets: 'documented',
  allEagerUpTo: 5,
  delayedGraft: true,
  graftTimeout1: 500,
  graftTimeout2: 250,
  graftTimeouts: 'fixed',
  minGraftTimeout: 20,
  maxGraftPostpone: 5000,
  fastRepair: true,
  repairWindowMs: 1000,
  repairGraftTimeout: 40,
  maxAnnouncersPerMessage: 4,
  maxMissing: 4096,
  treeOptimization: true,
  optimizationThreshold: 3,
  announceShorterPaths: false,
  repairOnLeave: false,
  roundCacheSize: 4096,
  batchIHaves: true,
  maxIHaveEntries: 256,
  maxOutstandingPerPeer: 4096,
  farBehindTicks: 10,
  joinMode: 'keepLearned',
  newRootSeed: 'learned',
  maxTrees: 1024,
  messageKey,
});

/**
 * The reference's behaviour: every improvement off, unbounded outstanding table,
 * all-eager start. Handy for comparisons.
 */
export const referencePlumtreeOptions: Partial<PlumtreeOptions> = Object.freeze({
  initialSets: 'allEager',
  delayedGraft: false,
  graftTimeouts: 'fixed',
  maxGraftPostpone: 0,
  fastRepair: false,
  treeOptimization: false,
  batchIHaves: false,
  maxOutstandingPerPeer: Number.POSITIVE_INFINITY,
  joinMode: 'reset',
  newRootSeed: 'common',
});

const ONE_OF: Record<string, readonly string[]> = {
  exchangeSelection: ['optimized', 'normal'],
  initialSets: ['documented', 'random', 'allEager'],
  joinMode: ['keepLearned', 'reset'],
  newRootSeed: ['learned', 'nearest', 'common'],
  graftTimeouts: ['fixed', 'fitted'],
};

const NON_NEGATIVE = [
  'lazyTickPeriod',
  'exchangeTickPeriod',
  'graftTimeout1',
  'graftTimeout2',
  'minGraftTimeout',
  'maxGraftPostpone',
  'repairWindowMs',
  'repairGraftTimeout',
];
const NON_NEGATIVE_INT = ['startExchangeLimit', 'optimizationThreshold', 'allEagerUpTo'];
const POSITIVE_INT = [
  'maxAnnouncersPerMessage',
  'maxMissing',
  'roundCacheSize',
  'maxIHaveEntries',
  'maxTrees',
  'farBehindTicks',
];
const BOOLEAN = [
  'delayedGraft',
  'treeOptimization',
  'announceShorterPaths',
  'repairOnLeave',
  'batchIHaves',
  'fastRepair',
];

/**
 * Defaults overlaid with `overrides`, validated.
 * @throws {InvalidOptionError} for a value out of range or of the wrong kind.
 */
export function resolveOptions(overrides: Partial<PlumtreeOptions> = {}): PlumtreeOptions {
  const o: PlumtreeOptions = { ...defaultPlumtreeOptions, ...overrides };
  const rec = o as unknown as Record<string, unknown>;
  for (const [k, allowed] of Object.entries(ONE_OF)) {
    if (!allowed.includes(rec[k] as string)) {
      throw new InvalidOptionError(k, rec[k], `one of ${allowed.join(', ')}`);
    }
  }
  for (const k of NON_NEGATIVE) {
    const v = rec[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidOptionError(k, v, 'a finite number >= 0');
    }
  }
  for (const k of NON_NEGATIVE_INT) {
    const v = rec[k];
    if (!Number.isSafeInteger(v) || (v as number) < 0) {
      throw new InvalidOptionError(k, v, 'an integer >= 0');
    }
  }
  for (const k of POSITIVE_INT) {
    const v = rec[k];
    if (!Number.isSafeInteger(v) || (v as number) < 1) {
      throw new InvalidOptionError(k, v, 'an integer >= 1');
    }
  }
  for (const k of BOOLEAN) {
    if (typeof rec[k] !== 'boolean') throw new InvalidOptionError(k, rec[k], 'a boolean');
  }
  const cap = o.maxOutstandingPerPeer;
  if (!(cap === Number.POSITIVE_INFINITY || (Number.isSafeInteger(cap) && cap >= 1))) {
    throw new InvalidOptionError('maxOutstandingPerPeer', cap, 'an integer >= 1 or Infinity');
  }
  if (typeof o.messageKey !== 'function') {
    throw new InvalidOptionError('messageKey', o.messageKey, 'a function');
  }
  return Object.freeze(o);
}
