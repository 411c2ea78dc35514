/**
 * The one rule for every name that crosses the wire or keys a table: node names,
 * channel names, cluster names and registered process names. A narrow character set
 * keeps names printable in logs, metrics labels and close reasons, and the reserved
 * words keep a hostile name from reaching an object's prototype when used as a key.
 */

/** Letters, digits and `@ . - _ :` (enough for `name@host:port` style node names). */
export const NAME_PATTERN = /^[A-Za-z0-9@._:-]+$/;

/** Longest node, cluster or process name. */
export const MAX_NAME_LENGTH = 255;

/** Longest channel name; channel names end up in every data frame, so they stay short. */
export const MAX_CHANNEL_NAME_LENGTH = 64;

const reserved: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What is wrong with a name, phrased to follow the name's path in an error message,
 * or `undefined` when the name is acceptable.
 */
export function nameProblem(
  value: unknown,
  maxLength: number = MAX_NAME_LENGTH,
): string | undefined {
  if (typeof value !== 'string') return `must be a string (got ${describeValue(value)})`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength) {
    return `must be at most ${maxLength} characters (got ${value.length})`;
  }
  if (!NAME_PATTERN.test(value)) {
    return `may only contain letters, digits and @ . - _ : (got ${describeValue(value)})`;
  }
  if (reserved.has(value)) return `must not be the reserved word ${value}`;
  return undefined;
}

/** True when {@link nameProblem} finds nothing wrong. */
export function isValidName(value: unknown, maxLength: number = MAX_NAME_LENGTH): value is string {
  return nameProblem(value, maxLength) === undefined;
}

/**
 * A short, safe rendering of any value for error messages: never throws (cycles,
 * bigints, symbols) and never echoes more than a few dozen characters of input.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
      return JSON.stringify(shown);
    }
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
      return 'an object';
  }
}

/** Code-unit order: the same on every node whatever its locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The registered name of a node's instance of a service: `${service}@${node}`. Several
 * nodes may share one process (and its process-wide registry), so every node's actors
 * register under names scoped by the node; a remote `{ name, node }` is delivered on
 * `node` to the local process registered as `scopedName(name, node)`.
 */
export function scopedName(service: string, node: string): string {
  return `${service}@${node}`;
}
