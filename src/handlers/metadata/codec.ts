import { createHash } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';

/**
 * The one msgpackr configuration the store uses for hashing and for its log. Records
 * and structured clones are off because both need state shared between writer and
 * reader (a log outlives the process; a hash must be the same on every node).
 */
const options = {
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
} as const;

const packr = new Packr(options);
const unpackr = new Unpackr(options);

/**
 * Encodes plain data to bytes the caller owns. msgpackr returns views into a shared
 * scratch buffer, which the next `pack` overwrites.
 */
export function encode(value: unknown): Uint8Array {
  const packed = packr.pack(value);
  const owned = new Uint8Array(packed.byteLength);
  owned.set(packed);
  return owned;
}

/** Decodes bytes written by {@link encode}. */
export function decode(bytes: Uint8Array): unknown {
  return unpackr.unpack(bytes);
}

/** Length of the hex digests this store produces (128 bits). */
export const DIGEST_HEX_LENGTH = 32;

/**
 * A 128-bit digest (hex) of the value's canonical encoding. SHA-256 rather than a fast
 * non-cryptographic hash because the Merkle tree XORs entry digests: a weak hash would
 * let two different stores cancel out to the same segment hash.
 */
export function digest(value: unknown): string {
  const packed = packr.pack(value);
  return createHash('sha256').update(packed).digest('hex').slice(0, DIGEST_HEX_LENGTH);
}

/** A digest of a string, as four 32-bit words (what the Merkle tree XORs). */
export function digestWords(text: string): Uint32Array {
  const bytes = createHash('sha256').update(text).digest();
  return new Uint32Array([
    bytes.readUInt32BE(0),
    bytes.readUInt32BE(4),
    bytes.readUInt32BE(8),
    bytes.readUInt32BE(12),
  ]);
}

/** FNV-1a over the UTF-16 code units of a string: cheap and stable across nodes. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
