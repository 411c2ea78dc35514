/**
 * Typed errors of the metadata store. Each carries a stable `name` so callers can
 * tell them apart after they crossed an actor boundary or were logged.
 */

/** A prefix is not a pair of non-empty strings. */
export class InvalidPrefixError extends Error {
  override readonly name = 'InvalidPrefixError';
  constructor(readonly prefix: unknown) {
    super(
      `invalid prefix ${describe(prefix)}: expected [prefix, subPrefix], two non-empty strings`,
    );
  }
}

/** A key is not a string. */
export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
  constructor(readonly key: unknown) {
    super(`invalid key ${describe(key)}: expected a string`);
  }
}

/** A key is longer than the store accepts. */
export class KeyTooLongError extends Error {
  override readonly name = 'KeyTooLongError';
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`key of ${length} characters: keys are at most ${limit}`);
  }
}

/** A value encodes to more bytes than the store accepts. */
export class ValueTooLargeError extends Error {
  override readonly name = 'ValueTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`value of ${bytes} bytes (encoded): values are at most ${limit} bytes`);
  }
}

/**
 * A compare-and-set write whose context does not cover what this replica holds:
 * someone wrote the key since the context was read. Nothing was written.
 */
export class StaleContextError extends Error {
  override readonly name = 'StaleContextError';
  constructor(
    readonly key: string,
    /** The key's state now, to resolve against (undefined when it is unknown here). */
    readonly current: unknown,
  ) {
    super(`stale context for key ${JSON.stringify(key)}: it changed since the context was read`);
  }
}

/** A value, object or message received from a peer (or read from disk) has the wrong shape. */
export class MalformedDataError extends Error {
  override readonly name = 'MalformedDataError';
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`malformed ${what}: ${detail}`);
  }
}

/** An option is out of range or of the wrong kind. */
export class InvalidMetadataOptionError extends Error {
  override readonly name = 'InvalidMetadataOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`option ${option} = ${describe(value)}: expected ${expected}`);
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor() {
    super('the metadata store is closed');
  }
}

/** An anti-entropy exchange with a peer failed (the call failed or the peer answered nonsense). */
export class ExchangeFailedError extends Error {
  override readonly name = 'ExchangeFailedError';
  constructor(
    readonly peer: string,
    detail: string,
    options?: { cause: unknown },
  ) {
    super(`exchange with ${peer} failed: ${detail}`, options);
  }
}

/**
 * A write that fewer nodes than its write quorum hold: it was not acknowledged. It is
 * kept on this node (durable, and broadcast) and spreads once peers are reachable, but
 * it would be lost with this node, which is what the quorum is for.
 */
export class WriteQuorumError extends Error {
  override readonly name = 'WriteQuorumError';
  constructor(
    readonly key: string,
    /** Why: too few peers reachable (or all tried failed), or no answer in time. */
    readonly reason: 'unreachable' | 'timeout',
    /** Replicas required, this node included. */
    readonly needed: number,
    /** The nodes known to hold the write (this node first). */
    readonly replicas: readonly string[],
    detail: string,
  ) {
    super(
      `write of key ${JSON.stringify(key)} is held by ${replicas.length} of the ${needed} replicas required (${reason}: ${detail}); it stays on this node and spreads when peers are back, but is not acknowledged`,
    );
  }
}

/** The data directory holds a log this version cannot read (not a torn tail: a bad header). */
export class LogFormatError extends Error {
  override readonly name = 'LogFormatError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`cannot read metadata log ${file}: ${detail}`);
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  } catch {
    return String(value);
  }
}
