import type { MessageKey } from './envelope.js';

/**
 * Lane selection for a channel with several connections. A message with a key always
 * lands on the same lane, so messages sharing a key keep their order; the mapping must
 * be identical on every node and every run, hence no `Math.random` and no engine hash.
 */

/** 32-bit FNV-1a over the UTF-8 bytes of `text`: stable, cheap and well spread. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The lane for a keyed message: `key mod parallelism` for an integer key (negative keys
 * wrap round), and the stable hash of the key's text for a string or a fractional number.
 */
export function laneForKey(key: MessageKey, parallelism: number): number {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new RangeError(`parallelism must be a positive integer (got ${parallelism})`);
  }
  if (typeof key === 'number' && Number.isSafeInteger(key)) {
    return ((key % parallelism) + parallelism) % parallelism;
  }
  return stableHash(String(key)) % parallelism;
}
