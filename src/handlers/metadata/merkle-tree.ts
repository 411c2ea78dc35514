/**
 * The hash tree of one prefix, kept up to date on every write so an exchange never
 * rebuilds it. Keys fall into a fixed number of segments; segments are grouped under a
 * fixed number of groups; the root covers all groups. Each level's hash is the XOR of
 * the entry digests below it, so replacing one entry costs three XORs whatever the
 * number of keys, and two trees over the same entries are equal however they were
 * built. Entry digests are cryptographic, so distinct contents cancelling out to the
 * same XOR is as unlikely as a collision of the digest itself.
 */
import { digestWords, fnv1a } from './codec.js';
import { InvalidMetadataOptionError } from './errors.js';

/** The shape of a tree; every node must use the same shape to compare trees. */
export interface TreeShape {
  /** Number of segments (leaves). */
  readonly segments: number;
  /** Segments per group; must divide `segments`. */
  readonly groupSize: number;
}

/** 1024 segments in 32 groups: top-level comparison ships 32 hashes, a group 32 more. */
export const DEFAULT_TREE_SHAPE: TreeShape = { segments: 1024, groupSize: 32 };

/** The hash of a tree level with nothing under it. */
export const EMPTY_HASH = '0'.repeat(32);

const WORDS = 4;

/** Throws unless the shape is usable. */
export function checkShape(shape: TreeShape): void {
  if (!Number.isSafeInteger(shape.segments) || shape.segments < 1 || shape.segments > 1 << 20) {
    throw new InvalidMetadataOptionError('segments', shape.segments, 'an integer in [1, 2^20]');
  }
  if (
    !Number.isSafeInteger(shape.groupSize) ||
    shape.groupSize < 1 ||
    shape.segments % shape.groupSize !== 0
  ) {
    throw new InvalidMetadataOptionError('groupSize', shape.groupSize, 'a divisor of segments');
  }
}

/** The segment a key belongs to under a given shape. */
export function segmentOf(shape: TreeShape, key: string): number {
  return fnv1a(key) % shape.segments;
}

/**
 * The digest of one entry. The object hash has a fixed length and comes first, so
 * no key can be confused with another key plus part of a hash.
 */
export function entryWords(key: string, objectHash: string): Uint32Array {
  return digestWords(`${objectHash}${key}`);
}

function hex(words: Uint32Array, offset: number): string {
  let out = '';
  for (let k = 0; k < WORDS; k++)
    out += (words[offset + k] as number).toString(16).padStart(8, '0');
  return out;
}

/** An incrementally maintained hash tree over `(key, objectHash)` entries. */
export class SegmentTree {
  readonly shape: TreeShape;
  readonly groupCount: number;
  private readonly segmentWords: Uint32Array;
  private readonly groupWords: Uint32Array;
  private readonly rootWords = new Uint32Array(WORDS);

  constructor(shape: TreeShape = DEFAULT_TREE_SHAPE) {
    checkShape(shape);
    this.shape = shape;
    this.groupCount = shape.segments / shape.groupSize;
    this.segmentWords = new Uint32Array(shape.segments * WORDS);
    this.groupWords = new Uint32Array(this.groupCount * WORDS);
  }

  /** The segment `key` falls into. */
  segmentOf(key: string): number {
    return segmentOf(this.shape, key);
  }

  /** The group a segment belongs to. */
  groupOf(segment: number): number {
    return Math.floor(segment / this.shape.groupSize);
  }

  /** The segments under a group. */
  segmentsOfGroup(group: number): number[] {
    const first = group * this.shape.groupSize;
    return Array.from({ length: this.shape.groupSize }, (_, k) => first + k);
  }

  /**
   * Records that `key`'s object hash changed from `before` to `after` (either may be
   * undefined: the key appeared or disappeared).
   */
  update(key: string, before: string | undefined, after: string | undefined): void {
    if (before === after) return;
    const segment = this.segmentOf(key);
    if (before !== undefined) this.toggle(segment, entryWords(key, before));
    if (after !== undefined) this.toggle(segment, entryWords(key, after));
  }

  private toggle(segment: number, words: Uint32Array): void {
    const s = segment * WORDS;
    const g = this.groupOf(segment) * WORDS;
    for (let k = 0; k < WORDS; k++) {
      const w = words[k] as number;
      this.segmentWords[s + k] = (this.segmentWords[s + k] as number) ^ w;
      this.groupWords[g + k] = (this.groupWords[g + k] as number) ^ w;
      this.rootWords[k] = (this.rootWords[k] as number) ^ w;
    }
  }

  /** The hash over every entry. */
  rootHash(): string {
    return hex(this.rootWords, 0);
  }

  /** One hash per group, in group order. */
  groupHashes(): string[] {
    return Array.from({ length: this.groupCount }, (_, g) => hex(this.groupWords, g * WORDS));
  }

  /** The hash of one segment. */
  segmentHash(segment: number): string {
    return hex(this.segmentWords, segment * WORDS);
  }
}

/** A tree built from scratch over the given entries (what incremental updates must equal). */
export function buildTree(
  entries: Iterable<readonly [key: string, objectHash: string]>,
  shape: TreeShape = DEFAULT_TREE_SHAPE,
): SegmentTree {
  const tree = new SegmentTree(shape);
  for (const [key, hash] of entries) tree.update(key, undefined, hash);
  return tree;
}
