import { InvalidKeyError, InvalidPrefixError } from './errors.js';

/** Where a key lives: `[prefix, subPrefix]`, as riak_core's cluster metadata names it. */
export type FullPrefix = readonly [prefix: string, subPrefix: string];

/** A key inside a full prefix. */
export type MetadataKey = string;

/** Throws unless `prefix` is a pair of non-empty strings. */
export function checkPrefix(prefix: unknown): asserts prefix is FullPrefix {
  if (
    !Array.isArray(prefix) ||
    prefix.length !== 2 ||
    typeof prefix[0] !== 'string' ||
    typeof prefix[1] !== 'string' ||
    prefix[0].length === 0 ||
    prefix[1].length === 0
  ) {
    throw new InvalidPrefixError(prefix);
  }
}

/** Throws unless `key` is a string. */
export function checkKey(key: unknown): asserts key is MetadataKey {
  if (typeof key !== 'string') throw new InvalidKeyError(key);
}

/**
 * A string naming a full prefix, for use as a map key. JSON keeps the two parts apart
 * whatever characters they contain.
 */
export function prefixId(prefix: FullPrefix): string {
  return JSON.stringify(prefix);
}

/** The inverse of {@link prefixId}. */
export function prefixFromId(id: string): FullPrefix {
  const parsed: unknown = JSON.parse(id);
  checkPrefix(parsed);
  return parsed;
}
