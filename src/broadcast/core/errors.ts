import type { NodeName } from './messages.js';

/** Why explicit initial eager and lazy sets were refused. */
export type InvalidInitialSetsReason =
  /** A peer in `eagers` or `lazys` is not in `members`. */
  | 'notMember'
  /** A peer is in both `eagers` and `lazys`. */
  | 'overlap'
  /** The node itself is in `eagers` or `lazys`. */
  | 'containsSelf'
  /** `lazys` is not empty although there are fewer than 3 members. */
  | 'lazysWithFewMembers'
  /** Only one of `eagers` and `lazys` was given. */
  | 'incomplete';

/** Explicit initial sets break the rules of `startLink(members, eagers, lazys, ...)`. */
export class InvalidInitialSetsError extends Error {
  override readonly name = 'InvalidInitialSetsError';
  constructor(
    readonly reason: InvalidInitialSetsReason,
    readonly peers: readonly NodeName[],
  ) {
    super(`invalid initial sets (${reason})${peers.length > 0 ? `: ${peers.join(', ')}` : ''}`);
  }
}

/** An option is out of range or of the wrong kind. */
export class InvalidOptionError extends Error {
  override readonly name = 'InvalidOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`option ${option} = ${String(value)}: expected ${expected}`);
  }
}

/** A core was created without a name, or with a handler name twice. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
}
