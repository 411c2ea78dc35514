import { InvalidOptionsError } from './errors.js';

/**
 * Settings of the HyParView core. Sizes count peers only: Partisan's
 * `max_active_size` 6 and `min_active_size` 3 count the node itself, hence 5 and 2.
 */
export interface HyParViewOptions {
  /** Most peers in the active view (Partisan: 6 including self). */
  readonly activeMaxSize: number;
  /** Below this many active peers, promotion ticks ask a passive peer (Partisan: 3 incl. self). */
  readonly activeMinSize: number;
  /** Most peers in the passive view. */
  readonly passiveMaxSize: number;
  /** Active random walk length: the TTL a `forwardJoin` starts with. */
  readonly arwl: number;
  /** Passive random walk length: a `forwardJoin` arriving with this TTL also lands in the passive view. */
  readonly prwl: number;
  /** TTL a `shuffle` walk starts with. */
  readonly shuffleTtl: number;
  /** Active peers sampled into a shuffle. */
  readonly shuffleActiveCount: number;
  /** Passive peers sampled into a shuffle. */
  readonly shufflePassiveCount: number;
  /** Milliseconds between shuffles (the core's `shuffle` timer). */
  readonly shuffleInterval: number;
  /** Milliseconds between promotion rounds (the core's `promotion` timer). */
  readonly promotionInterval: number;
  /**
   * A node whose active view is full asks a random passive peer to link with high
   * priority (which displaces one link on each side) on average once every this many
   * promotion rounds; 0 never. Two parts of the overlay that are each full and know of
   * each other only through passive entries merge this way; see docs/hyparview.md.
   */
  readonly explorationRounds: number;
  /**
   * Promotion rounds a peer found down (its connection failed, or a request to it went
   * unanswered) stays out of the passive view: shuffles from others cannot bring it
   * back meanwhile, only hearing from it directly. 0 (default) turns it off; a node
   * sets it from `downAfterMs`. Lost peers are still retried, so partitions heal.
   */
  readonly quarantineRounds: number;
}

/** Partisan's defaults, translated to peer counts. */
export const defaultHyParViewOptions: HyParViewOptions = {
  activeMaxSize: 5,
  activeMinSize: 2,
  passiveMaxSize: 30,
  arwl: 6,
  prwl: 6,
  shuffleTtl: 6,
  shuffleActiveCount: 3,
  shufflePassiveCount: 4,
  shuffleInterval: 10_000,
  promotionInterval: 5_000,
  explorationRounds: 0,
  quarantineRounds: 0,
};

/**
 * Fills in defaults and checks consistency.
 *
 * @throws {InvalidOptionsError} when a value is out of range.
 */
export function hyParViewOptions(overrides: Partial<HyParViewOptions> = {}): HyParViewOptions {
  const o: HyParViewOptions = { ...defaultHyParViewOptions, ...overrides };
  const counts: (keyof HyParViewOptions)[] = [
    'activeMaxSize',
    'activeMinSize',
    'passiveMaxSize',
    'arwl',
    'prwl',
    'shuffleTtl',
    'shuffleActiveCount',
    'shufflePassiveCount',
    'explorationRounds',
    'quarantineRounds',
  ];
  for (const key of counts) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) {
      throw new InvalidOptionsError(`${key} must be a non-negative integer`);
    }
  }
  if (o.activeMaxSize < 1) throw new InvalidOptionsError('activeMaxSize must be at least 1');
  if (o.activeMinSize > o.activeMaxSize) {
    throw new InvalidOptionsError('activeMinSize must not exceed activeMaxSize');
  }
  if (o.prwl > o.arwl) throw new InvalidOptionsError('prwl must not exceed arwl');
  if (!(o.shuffleInterval > 0) || !(o.promotionInterval > 0)) {
    throw new InvalidOptionsError('intervals must be positive');
  }
  return o;
}
