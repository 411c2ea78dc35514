/** `join` was asked to join the node to itself. */
export class JoinSelfError extends Error {
  override readonly name = 'JoinSelfError';
  constructor(readonly node: string) {
    super(`node ${node} cannot join itself`);
  }
}

/** An operation named a node that this replica does not know as a live member. */
export class UnknownMemberError extends Error {
  override readonly name = 'UnknownMemberError';
  constructor(readonly node: string) {
    super(`${node} is not a live member`);
  }
}

/** Serialised membership state (from disk or the wire) did not have the expected shape. */
export class MembershipDecodeError extends Error {
  override readonly name = 'MembershipDecodeError';
  constructor(readonly reason: string) {
    super(`invalid membership state: ${reason}`);
  }
}

/** Options given to a core are out of range or inconsistent. */
export class InvalidOptionsError extends Error {
  override readonly name = 'InvalidOptionsError';
  constructor(readonly reason: string) {
    super(`invalid options: ${reason}`);
  }
}

/** A spec handed to a node's own core names a different node. */
export class SpecNameMismatchError extends Error {
  override readonly name = 'SpecNameMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`spec names ${actual}, expected ${expected}`);
  }
}
