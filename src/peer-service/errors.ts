/** `join` was asked to join this node itself. */
export class SelfJoinError extends Error {
  override readonly name = 'SelfJoinError';
  constructor(target: string) {
    super(`cannot join ${target}: it is this node`);
  }
}

/** Nobody answered a join (or a sync join did not connect everyone) within the time allowed. */
export class NotReachableError extends Error {
  override readonly name = 'NotReachableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A `host:port` string that is not one. */
export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
}

/** Leave of a node that is not a member. */
export class NotAMemberError extends Error {
  override readonly name = 'NotAMemberError';
  constructor(readonly member: string) {
    super(`${member} is not a member`);
  }
}
