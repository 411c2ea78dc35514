import type { Rng } from '../../util/rng.js';
import { EagerLazySets } from './eager-lazy-sets.js';
import { InvalidConfigError, InvalidInitialSetsError } from './errors.js';
import type { Exchange, ExchangeRef } from './exchanges.js';
import { GraftTiming } from './graft-timing.js';
import { initialSets, validateInitialSets } from './initial-sets.js';
import { LinkGrafts } from './link-grafts.js';
import type { Announcement, HandlerName, NodeName } from './messages.js';
import { MissingMessages } from './missing-messages.js';
import { OffTreeLinks } from './off-tree-links.js';
import { type PlumtreeOptions, resolveOptions } from './options.js';
import { Outstanding } from './outstanding.js';
import { type Delivery, RecentDeliveries } from './recent-deliveries.js';
import { SentPrunes } from './sent-prunes.js';

/** An exchange asked of a handler whose answer has not come back yet. */
export interface PendingExchange {
  readonly handler: HandlerName;
  readonly peer: NodeName;
}

/**
 * The state of one broadcast server. The step function mutates it in place; treat
 * it as owned by the core and read it through the query functions.
 */
export interface PlumtreeState {
  /** This node's name. */
  readonly node: NodeName;
  readonly options: PlumtreeOptions;
  /** The only source of randomness (initial sets, exchange peers). */
  readonly rng: Rng;
  /** Every member known, this node included. */
  readonly allMembers: Set<NodeName>;
  /** Common and per-root eager/lazy sets. */
  readonly sets: EagerLazySets;
  /** Registered handlers, in round-robin order for exchanges. */
  readonly handlers: readonly HandlerName[];
  readonly handlerSet: ReadonlySet<HandlerName>;
  /** Index in `handlers` of the next handler to try an exchange for. */
  exchangeCursor: number;
  /** Running exchanges started here. */
  readonly exchanges: Map<ExchangeRef, Exchange>;
  /** Exchanges asked for, not answered yet; they count against the limit. */
  readonly pendingExchanges: Map<ExchangeRef, PendingExchange>;
  nextExchangeRef: number;
  /** Announcements owed to peers; may be shared with a previous incarnation. */
  readonly outstanding: Outstanding;
  /** Members whose connection is down. Members are presumed connected until reported down. */
  readonly down: Set<NodeName>;
  /** Announced but missing messages, for delayed grafts. */
  readonly missing: MissingMessages;
  /** Recently delivered messages, for the tree optimisation. */
  readonly recent: RecentDeliveries;
  /**
   * Messages an i_have showed this node already held before any copy came through
   * the tree (an anti-entropy exchange brought them): an eager copy arriving after
   * that is the tree's path here, not a redundant one. Same bound as `recent`.
   */
  readonly offTree: RecentDeliveries;
  /** When each tree was last re-attached because a message was held off the tree. */
  readonly offTreeLinks: OffTreeLinks;
  /** Prunes sent, until the pruned peer pushes a new payload of that tree here again. */
  readonly sentPrunes: SentPrunes;
  /** Link-only grafts sent, per tree and peer, for `graftTimeout1`: the peer still holds this node lazy. */
  readonly linkGrafts: LinkGrafts;
  /** The clock as of the latest `step` (ms, monotonic, injected by the shell). */
  now: number;
  /** Whether `start` came: before it the core arms no tick. */
  started: boolean;
  /** Whether a lazy tick is armed with the shell. */
  lazyArmed: boolean;
  /** When the next lazy tick is due on the grid fixed at `start`. */
  lazyDue: number;
  /**
   * Re-link to the ring successor among live members when a member goes down or
   * is removed: the `documented` initial sets without explicit sets.
   */
  readonly ringRelink: boolean;
  /**
   * Per root, the peer whose payload of that tree arrived last and when: a parent
   * that is pushing is alive, so a graft for that tree can wait (bounded by
   * `maxTrees` roots, least recently refreshed dropped).
   */
  readonly treeActivity: Map<NodeName, TreeActivity>;
  /** Per peer, when the first of our `i_have`s it has not answered yet went out. */
  readonly unansweredSince: Map<NodeName, number>;
  /**
   * Per peer, acknowledgements owed for its `i_have`s: `isStale` checks still out and
   * the stale entries so far. They go out as one `ignored_i_have` once the checks of
   * that peer are all answered (or at the lazy tick, if some answer never comes).
   */
  readonly acks: Map<NodeName, PendingAcks>;
  /** Until when (core clock) repair runs fast after a peer went down (`fastRepair`). */
  repairUntil: number;
  /** Round trips of grafts, for fitted graft timeouts. */
  readonly graftTiming: GraftTiming;
}

/** Acknowledgements owed to one peer. */
export interface PendingAcks {
  inFlight: number;
  readonly entries: Announcement[];
}

/** The latest payload push seen in one tree. */
export interface TreeActivity {
  readonly peer: NodeName;
  readonly at: number;
  /** What was pushed, to name in a link-only graft if that parent goes down. */
  readonly entry?: Announcement;
  /** The message key of `entry`. */
  readonly key?: string;
  /**
   * The lazy peer that announced `entry`'s message with the smallest round, and
   * that round: where to re-attach if the parent leaves (`repairOnLeave`).
   */
  alternate?: { readonly peer: NodeName; readonly round: number } | undefined;
}

/**
 * The remembered delivery of a tree's latest payload, with its round as the
 * optimisation may have shortened it since; undefined once it left the cache.
 */
export function latestDelivery(state: PlumtreeState, activity: TreeActivity): Delivery | undefined {
  return activity.key === undefined ? undefined : state.recent.get(activity.key);
}

/** What a broadcast server starts from. */
export interface PlumtreeConfig {
  /** This node's name. */
  readonly node: NodeName;
  /** Every member known at start; this node is added if missing. */
  readonly members: Iterable<NodeName>;
  /** Names of the registered handlers. */
  readonly handlers: readonly HandlerName[];
  /** Randomness; seed it for reproducible runs. */
  readonly rng: Rng;
  /**
   * Explicit initial eager peers for every tree (`startLink/5`). Give both or
   * neither of `eagers` and `lazys`; without them the `initialSets` option applies.
   */
  readonly eagers?: readonly NodeName[];
  /** Explicit initial lazy peers; empty when there are fewer than 3 members. */
  readonly lazys?: readonly NodeName[];
  /** Announcements kept by a previous incarnation of this server; entries for non-members are dropped. */
  readonly outstanding?: Outstanding;
  /** Members known to be unreachable at start. */
  readonly down?: Iterable<NodeName>;
  /** The shell's clock at creation (ms, monotonic). Default 0. */
  readonly now?: number;
  readonly options?: Partial<PlumtreeOptions>;
}

/**
 * A fresh server state.
 * @throws {InvalidInitialSetsError} for explicit sets that break the rules.
 * @throws {InvalidOptionError} for a bad option.
 * @throws {InvalidConfigError} for an empty node name or a duplicate handler.
 */
export function createPlumtreeState(config: PlumtreeConfig): PlumtreeState {
  const { node } = config;
  if (typeof node !== 'string' || node.length === 0) {
    throw new InvalidConfigError('node must be a non-empty name');
  }
  const options = resolveOptions(config.options);
  const handlerSet = new Set(config.handlers);
  if (handlerSet.size !== config.handlers.length) {
    throw new InvalidConfigError(`duplicate handler in ${config.handlers.join(', ')}`);
  }
  const memberList = [...config.members];
  const allMembers = new Set(memberList);
  allMembers.add(node);

  let eagers: readonly NodeName[];
  let lazys: readonly NodeName[];
  const explicit = config.eagers !== undefined || config.lazys !== undefined;
  if (config.eagers !== undefined && config.lazys !== undefined) {
    validateInitialSets(node, allMembers, config.eagers, config.lazys);
    eagers = config.eagers;
    lazys = config.lazys;
  } else if (config.eagers !== undefined || config.lazys !== undefined) {
    throw new InvalidInitialSetsError('incomplete', []);
  } else {
    const small = options.initialSets === 'documented' && allMembers.size <= options.allEagerUpTo;
    const mode = small ? 'allEager' : options.initialSets;
    ({ eagers, lazys } = initialSets(node, [...allMembers], mode, config.rng));
  }

  const outstanding = config.outstanding ?? new Outstanding();
  for (const peer of [...outstanding.peers()]) {
    if (!allMembers.has(peer) || peer === node) outstanding.deletePeer(peer);
  }
  const down = new Set<NodeName>();
  for (const p of config.down ?? []) if (p !== node) down.add(p);

  return {
    node,
    options,
    rng: config.rng,
    allMembers,
    sets: new EagerLazySets(node, eagers, lazys, options.newRootSeed, options.maxTrees),
    handlers: [...config.handlers],
    handlerSet,
    exchangeCursor: 0,
    exchanges: new Map(),
    pendingExchanges: new Map(),
    nextExchangeRef: 0,
    outstanding,
    down,
    missing: new MissingMessages(options.maxMissing, options.maxAnnouncersPerMessage),
    recent: new RecentDeliveries(options.roundCacheSize),
    offTree: new RecentDeliveries(options.roundCacheSize),
    sentPrunes: new SentPrunes(options.roundCacheSize, options.graftTimeout1),
    linkGrafts: new LinkGrafts(options.roundCacheSize, options.graftTimeout1),
    offTreeLinks: new OffTreeLinks(
      options.maxTrees,
      options.graftTimeout1 + options.lazyTickPeriod,
    ),
    now: config.now ?? 0,
    started: false,
    lazyArmed: false,
    lazyDue: 0,
    ringRelink: options.initialSets === 'documented' && !explicit,
    treeActivity: new Map(),
    unansweredSince: new Map(),
    acks: new Map(),
    repairUntil: Number.NEGATIVE_INFINITY,
    graftTiming: new GraftTiming(),
  };
}
