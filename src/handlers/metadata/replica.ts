/**
 * The in-memory replica: every object by prefix and key, the hash tree of each prefix
 * kept in step with it, and the tombstone bookkeeping that garbage collection needs.
 * No I/O and no clock: callers pass `now` in.
 */
import { InvalidMetadataOptionError } from './errors.js';
import { DEFAULT_TREE_SHAPE, EMPTY_HASH, SegmentTree, type TreeShape } from './merkle-tree.js';
import {
  hashObject,
  isTombstone,
  type MetadataObject,
  mergeObjects,
  sameObject,
} from './object.js';
import { type FullPrefix, type MetadataKey, prefixId } from './prefix.js';
import { descends, type VersionVector } from './version-vector.js';

/** One key's state on this replica. */
export interface Entry {
  readonly object: MetadataObject;
  /** {@link hashObject} of `object`. */
  readonly hash: string;
  readonly tombstone: boolean;
  /** When this replica last changed the object (its own `now`). */
  readonly changedAt: number;
  /**
   * Peers seen holding exactly this object, learned from exchanges. Only kept for
   * tombstones, and never persisted: after a restart they are learned again.
   */
  readonly confirmedBy: Set<string>;
}

interface PrefixState {
  readonly prefix: FullPrefix;
  readonly tree: SegmentTree;
  /** Keys by segment; a segment with no key has no map. */
  readonly segments: Map<number, Map<MetadataKey, Entry>>;
  readonly tombstones: Set<MetadataKey>;
  size: number;
}

/** A collected tombstone this replica still remembers, so stale copies are refused. */
export interface Forgotten {
  readonly clock: VersionVector;
  readonly at: number;
}

/** What a merge did. */
export interface MergeOutcome {
  /**
   * False when the incoming object told this replica nothing new, including an object
   * that a remembered collected tombstone supersedes.
   */
  readonly changed: boolean;
  /** The entry now held; undefined only when the key stays forgotten. */
  readonly entry: Entry | undefined;
  readonly before: Entry | undefined;
}

/** What an exchange found equal, and so which tombstones the peer is known to hold. */
export type ConfirmScope =
  | { readonly kind: 'prefix' }
  | { readonly kind: 'groups'; readonly groups: readonly number[] }
  | { readonly kind: 'segments'; readonly segments: readonly number[] }
  | { readonly kind: 'keys'; readonly keys: readonly MetadataKey[] };

/** The replica's objects and hash trees. */
export class ReplicaStore {
  readonly shape: TreeShape;
  private readonly prefixes = new Map<string, PrefixState>();
  /** Collected tombstones by prefix id and key, kept for a while (see docs). */
  private readonly forgotten = new Map<string, Map<MetadataKey, Forgotten>>();

  constructor(shape: TreeShape = DEFAULT_TREE_SHAPE) {
    if (shape.segments < 1)
      throw new InvalidMetadataOptionError('segments', shape.segments, '>= 1');
    this.shape = shape;
  }

  /** Every prefix that holds at least one key, sorted. */
  prefixList(): FullPrefix[] {
    const out: FullPrefix[] = [];
    for (const state of this.prefixes.values()) if (state.size > 0) out.push(state.prefix);
    return out.sort((a, b) => (a[0] === b[0] ? cmp(a[1], b[1]) : cmp(a[0], b[0])));
  }

  /** Number of keys (tombstones included) in a prefix. */
  size(prefix: FullPrefix): number {
    return this.prefixes.get(prefixId(prefix))?.size ?? 0;
  }

  get(prefix: FullPrefix, key: MetadataKey): Entry | undefined {
    const state = this.prefixes.get(prefixId(prefix));
    if (state === undefined) return undefined;
    return state.segments.get(state.tree.segmentOf(key))?.get(key);
  }

  /** Every entry of a prefix, in no particular order. */
  *entries(prefix: FullPrefix): Generator<[MetadataKey, Entry]> {
    const state = this.prefixes.get(prefixId(prefix));
    if (state === undefined) return;
    for (const segment of state.segments.values()) yield* segment;
  }

  /** Replaces a key's object (a local write, or a reload from disk). */
  set(prefix: FullPrefix, key: MetadataKey, object: MetadataObject, now: number): Entry {
    const state = this.stateFor(prefix);
    const segmentIndex = state.tree.segmentOf(key);
    let segment = state.segments.get(segmentIndex);
    if (segment === undefined) {
      segment = new Map();
      state.segments.set(segmentIndex, segment);
    }
    const before = segment.get(key);
    if (before === undefined) this.unforget(prefix, key);
    const entry: Entry = {
      object,
      hash: hashObject(object),
      tombstone: isTombstone(object),
      changedAt: now,
      confirmedBy: new Set(),
    };
    segment.set(key, entry);
    if (before === undefined) state.size++;
    state.tree.update(key, before?.hash, entry.hash);
    if (entry.tombstone) state.tombstones.add(key);
    else state.tombstones.delete(key);
    return entry;
  }

  /** Joins a peer's object into this replica's. */
  merge(prefix: FullPrefix, key: MetadataKey, incoming: MetadataObject, now: number): MergeOutcome {
    const before = this.get(prefix, key);
    if (before === undefined) {
      const gone = this.forgottenClock(prefix, key);
      if (gone === undefined) {
        return { changed: true, entry: this.set(prefix, key, incoming, now), before };
      }
      if (descends(gone, incoming.clock)) return { changed: false, entry: undefined, before };
      // The collected tombstone still supersedes whatever the incoming object holds
      // from before the delete: merge against its clock rather than take the object as
      // it is, or a value the delete removed would come back.
      const merged = mergeObjects({ clock: gone, siblings: [] }, incoming);
      if (merged.siblings.length === 0) {
        // Only writes the delete already superseded: stay collected, but remember
        // the larger clock so that later copies of them are refused as well.
        this.remember(prefix, key, merged.clock, this.forgottenAt(prefix, key) ?? now);
        return { changed: false, entry: undefined, before };
      }
      return { changed: true, entry: this.set(prefix, key, merged, now), before };
    }
    const merged = mergeObjects(before.object, incoming);
    if (sameObject(merged, before.object)) return { changed: false, entry: before, before };
    return { changed: true, entry: this.set(prefix, key, merged, now), before };
  }

  /**
   * Collects a key's tombstone: the key disappears (from the hash tree too), and its
   * clock is remembered as forgotten until {@link pruneForgotten} drops it.
   */
  forget(prefix: FullPrefix, key: MetadataKey, clock: VersionVector, now: number): void {
    this.remove(prefix, key);
    this.remember(prefix, key, clock, now);
  }

  private remember(prefix: FullPrefix, key: MetadataKey, clock: VersionVector, at: number): void {
    const id = prefixId(prefix);
    let keys = this.forgotten.get(id);
    if (keys === undefined) {
      keys = new Map();
      this.forgotten.set(id, keys);
    }
    keys.set(key, { clock, at });
  }

  private forgottenAt(prefix: FullPrefix, key: MetadataKey): number | undefined {
    return this.forgotten.get(prefixId(prefix))?.get(key)?.at;
  }

  /** The clock of a collected tombstone still remembered for this key. */
  forgottenClock(prefix: FullPrefix, key: MetadataKey): VersionVector | undefined {
    return this.forgotten.get(prefixId(prefix))?.get(key)?.clock;
  }

  /** Drops forgotten records older than `retentionMs`; returns how many remain. */
  pruneForgotten(now: number, retentionMs: number): number {
    let remaining = 0;
    for (const [id, keys] of this.forgotten) {
      for (const [key, f] of keys) if (now - f.at >= retentionMs) keys.delete(key);
      if (keys.size === 0) this.forgotten.delete(id);
      remaining += keys.size;
    }
    return remaining;
  }

  /** Every remembered collected tombstone. */
  *forgottenEntries(): Generator<[FullPrefix, MetadataKey, VersionVector]> {
    for (const [id, keys] of this.forgotten) {
      const prefix = JSON.parse(id) as FullPrefix;
      for (const [key, f] of keys) yield [prefix, key, f.clock];
    }
  }

  private unforget(prefix: FullPrefix, key: MetadataKey): void {
    const id = prefixId(prefix);
    const keys = this.forgotten.get(id);
    if (keys?.delete(key) === true && keys.size === 0) this.forgotten.delete(id);
  }

  /** Drops a key entirely. */
  remove(prefix: FullPrefix, key: MetadataKey): Entry | undefined {
    const id = prefixId(prefix);
    const state = this.prefixes.get(id);
    if (state === undefined) return undefined;
    const segmentIndex = state.tree.segmentOf(key);
    const segment = state.segments.get(segmentIndex);
    const before = segment?.get(key);
    if (segment === undefined || before === undefined) return undefined;
    segment.delete(key);
    if (segment.size === 0) state.segments.delete(segmentIndex);
    state.tombstones.delete(key);
    state.tree.update(key, before.hash, undefined);
    state.size--;
    if (state.size === 0) this.prefixes.delete(id);
    return before;
  }

  /** The root hash of a prefix ({@link EMPTY_HASH} for an unknown one). */
  rootHash(prefix: FullPrefix): string {
    return this.prefixes.get(prefixId(prefix))?.tree.rootHash() ?? EMPTY_HASH;
  }

  /** The group hashes of a prefix. */
  groupHashes(prefix: FullPrefix): string[] {
    const state = this.prefixes.get(prefixId(prefix));
    if (state !== undefined) return state.tree.groupHashes();
    return new Array<string>(this.shape.segments / this.shape.groupSize).fill(EMPTY_HASH);
  }

  /** The hashes of the given segments, in the order asked. */
  segmentHashes(prefix: FullPrefix, segments: readonly number[]): string[] {
    const tree = this.prefixes.get(prefixId(prefix))?.tree;
    return segments.map((s) => tree?.segmentHash(s) ?? EMPTY_HASH);
  }

  /** `[key, objectHash]` for every key in the given segments. */
  segmentEntries(prefix: FullPrefix, segments: readonly number[]): [MetadataKey, string][] {
    const state = this.prefixes.get(prefixId(prefix));
    const out: [MetadataKey, string][] = [];
    if (state === undefined) return out;
    for (const s of segments) {
      const segment = state.segments.get(s);
      if (segment !== undefined) for (const [key, entry] of segment) out.push([key, entry.hash]);
    }
    return out;
  }

  /** Records that `peer` holds the same objects as this replica over `scope`. */
  confirm(prefix: FullPrefix, peer: string, scope: ConfirmScope): void {
    const state = this.prefixes.get(prefixId(prefix));
    if (state === undefined || state.tombstones.size === 0) return;
    const mark = (key: MetadataKey): void => {
      const entry = state.segments.get(state.tree.segmentOf(key))?.get(key);
      if (entry?.tombstone) entry.confirmedBy.add(peer);
    };
    const markSegments = (segments: Iterable<number>): void => {
      for (const s of segments) {
        const segment = state.segments.get(s);
        if (segment === undefined) continue;
        for (const entry of segment.values()) if (entry.tombstone) entry.confirmedBy.add(peer);
      }
    };
    switch (scope.kind) {
      case 'prefix':
        for (const key of state.tombstones) mark(key);
        return;
      case 'groups':
        for (const g of scope.groups) markSegments(state.tree.segmentsOfGroup(g));
        return;
      case 'segments':
        markSegments(scope.segments);
        return;
      case 'keys':
        for (const key of scope.keys) mark(key);
        return;
      default: {
        const unreachable: never = scope;
        throw new Error(`unknown scope ${String(unreachable)}`);
      }
    }
  }

  /**
   * Tombstones that may be forgotten: unchanged here for `graceMs`, and held by every
   * other member (see docs/metadata.md for why that cannot resurrect a key).
   */
  *collectible(
    members: readonly string[],
    self: string,
    now: number,
    graceMs: number,
  ): Generator<[FullPrefix, MetadataKey, Entry]> {
    const others = members.filter((m) => m !== self);
    for (const state of this.prefixes.values()) {
      for (const key of state.tombstones) {
        const entry = state.segments.get(state.tree.segmentOf(key))?.get(key);
        if (entry === undefined || now - entry.changedAt < graceMs) continue;
        if (others.every((m) => entry.confirmedBy.has(m))) yield [state.prefix, key, entry];
      }
    }
  }

  /** Number of tombstones held. */
  tombstoneCount(): number {
    let n = 0;
    for (const state of this.prefixes.values()) n += state.tombstones.size;
    return n;
  }

  private stateFor(prefix: FullPrefix): PrefixState {
    const id = prefixId(prefix);
    let state = this.prefixes.get(id);
    if (state === undefined) {
      state = {
        prefix: [prefix[0], prefix[1]],
        tree: new SegmentTree(this.shape),
        segments: new Map(),
        tombstones: new Set(),
        size: 0,
      };
      this.prefixes.set(id, state);
    }
    return state;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
