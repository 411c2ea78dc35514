/**
 * A stored value with its causal history: a version vector (everything this replica
 * has seen for the key) and the siblings that no known write has superseded, each
 * named by the dot of the write that created it. This is the dotted-version-vector
 * model of Riak 2.0: concurrent writes keep siblings, a write that saw them replaces
 * them, and merging two replicas keeps exactly the siblings neither has superseded.
 */
import { digest } from './codec.js';
import { MalformedDataError } from './errors.js';
import {
  counterOf,
  coversDot,
  type Dot,
  descends,
  EMPTY_VV,
  isVersionVector,
  join,
  type VersionVector,
} from './version-vector.js';

/** A live value written by one write. */
export interface ValueSibling {
  readonly kind: 'value';
  readonly dot: Dot;
  /** The writer's wall clock at the write (ms), for last-writer-wins. */
  readonly timestamp: number;
  readonly value: unknown;
}

/** A deletion written by one write. */
export interface TombstoneSibling {
  readonly kind: 'tombstone';
  readonly dot: Dot;
  readonly timestamp: number;
}

/** One unsuperseded write of a key. */
export type Sibling = ValueSibling | TombstoneSibling;

/** What a local write asks for. */
export type Write =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'tombstone' };

/**
 * A key's replicated state. Invariants: `siblings` is non-empty, sorted by dot, with
 * distinct dots, and `clock` covers every sibling's dot.
 */
export interface MetadataObject {
  readonly clock: VersionVector;
  readonly siblings: readonly Sibling[];
}

function compareDots(a: Dot, b: Dot): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] - b[1];
}

function sameDot(a: Dot, b: Dot): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/**
 * Applies a local write by `actor`. `context` is the clock the writer had read; the
 * write supersedes exactly the siblings it covers. Without one, the write supersedes
 * everything this replica holds (riak_core metadata's put). `current` may have no
 * siblings: the clock of a collected tombstone, which the write must supersede.
 */
export function applyWrite(
  current: MetadataObject | undefined,
  actor: string,
  write: Write,
  timestamp: number,
  context?: VersionVector,
  floor = 0,
): { object: MetadataObject; dot: Dot } {
  const base = current?.clock ?? EMPTY_VV;
  const ctx = context ?? base;
  const seen = join(base, ctx);
  // The counter must exceed every write of this actor that anyone could know of,
  // including ones only the context mentions, so that the dot is new; `floor` lets the
  // caller rule out counters used on a key whose history has been collected.
  const counter = Math.max(counterOf(base, actor), counterOf(ctx, actor), floor) + 1;
  const dot: Dot = [actor, counter];
  const sibling: Sibling =
    write.kind === 'value'
      ? { kind: 'value', dot, timestamp, value: write.value }
      : { kind: 'tombstone', dot, timestamp };
  const kept = (current?.siblings ?? []).filter((s) => !coversDot(ctx, s.dot));
  const siblings = [...kept, sibling].sort((a, b) => compareDots(a.dot, b.dot));
  return { object: { clock: join(seen, [[actor, counter]]), siblings }, dot };
}

/**
 * Joins two replicas of one key: keeps a sibling when both hold it, or when the other
 * side has not seen its dot. Commutative, associative and idempotent (the dot-store
 * join of delta CRDTs), so replicas converge whatever order merges happen in.
 */
export function mergeObjects(a: MetadataObject, b: MetadataObject): MetadataObject {
  const out: Sibling[] = [];
  let i = 0;
  let j = 0;
  const as = a.siblings;
  const bs = b.siblings;
  while (i < as.length || j < bs.length) {
    const x = as[i];
    const y = bs[j];
    const order = x === undefined ? 1 : y === undefined ? -1 : compareDots(x.dot, y.dot);
    if (order < 0) {
      const s = x as Sibling;
      if (!coversDot(b.clock, s.dot)) out.push(s);
      i++;
    } else if (order > 0) {
      const s = y as Sibling;
      if (!coversDot(a.clock, s.dot)) out.push(s);
      j++;
    } else {
      out.push(pickSame(x as Sibling, y as Sibling));
      i++;
      j++;
    }
  }
  return { clock: join(a.clock, b.clock), siblings: out };
}

/**
 * Dots are unique by construction, so both copies should be the same write; should a
 * replica have reused a dot anyway, pick deterministically so merge stays commutative.
 */
function pickSame(x: Sibling, y: Sibling): Sibling {
  if (x.timestamp !== y.timestamp) return x.timestamp > y.timestamp ? x : y;
  if (x.kind !== y.kind) return x.kind === 'tombstone' ? x : y;
  if (x.kind === 'tombstone' || x === y) return x;
  return digest(x) <= digest(y) ? x : y;
}

/** True when both objects hold the same clock and the same siblings (by dot). */
export function sameObject(a: MetadataObject, b: MetadataObject): boolean {
  if (a.siblings.length !== b.siblings.length || a.clock.length !== b.clock.length) return false;
  for (let k = 0; k < a.clock.length; k++) {
    const x = a.clock[k];
    const y = b.clock[k];
    if (x?.[0] !== y?.[0] || x?.[1] !== y?.[1]) return false;
  }
  for (let k = 0; k < a.siblings.length; k++) {
    if (!sameDot((a.siblings[k] as Sibling).dot, (b.siblings[k] as Sibling).dot)) return false;
  }
  return true;
}

/** True when `a` has seen every write `b` has (so merging `b` into `a` changes nothing). */
export function objectDescends(a: MetadataObject, b: MetadataObject): boolean {
  return descends(a.clock, b.clock);
}

/** True when every sibling is a tombstone: the key reads as deleted. */
export function isTombstone(object: MetadataObject): boolean {
  return object.siblings.every((s) => s.kind === 'tombstone');
}

/** The live values, in dot order. */
export function liveValues(object: MetadataObject): unknown[] {
  const out: unknown[] = [];
  for (const s of object.siblings) if (s.kind === 'value') out.push(s.value);
  return out;
}

/** A digest of the whole object; equal objects have equal digests on every node. */
export function hashObject(object: MetadataObject): string {
  return digest(object);
}

/** Last writer wins: the latest timestamp, ties broken by dot so every node picks the same. */
export function lastWriterWins(siblings: readonly Sibling[]): Sibling {
  let best = siblings[0];
  if (best === undefined) throw new MalformedDataError('object', 'no siblings');
  for (const s of siblings) {
    if (
      s.timestamp > best.timestamp ||
      (s.timestamp === best.timestamp && compareDots(s.dot, best.dot) > 0)
    ) {
      best = s;
    }
  }
  return best;
}

/**
 * Checks an object that came from a peer or from disk and returns it typed. Rejects
 * anything that would break the invariants merge relies on.
 */
export function parseObject(raw: unknown): MetadataObject {
  if (typeof raw !== 'object' || raw === null) throw new MalformedDataError('object', 'not a map');
  const { clock, siblings } = raw as { clock?: unknown; siblings?: unknown };
  if (!isVersionVector(clock)) throw new MalformedDataError('object', 'bad clock');
  if (!Array.isArray(siblings) || siblings.length === 0) {
    throw new MalformedDataError('object', 'siblings must be a non-empty array');
  }
  const parsed: Sibling[] = [];
  let previous: Dot | undefined;
  for (const s of siblings as unknown[]) {
    const sibling = parseSibling(s);
    if (previous !== undefined && compareDots(previous, sibling.dot) >= 0) {
      throw new MalformedDataError('object', 'siblings not sorted by dot');
    }
    if (!coversDot(clock, sibling.dot)) {
      throw new MalformedDataError('object', 'clock does not cover a sibling');
    }
    previous = sibling.dot;
    parsed.push(sibling);
  }
  return { clock, siblings: parsed };
}

function parseSibling(raw: unknown): Sibling {
  if (typeof raw !== 'object' || raw === null) throw new MalformedDataError('sibling', 'not a map');
  const { kind, dot, timestamp, value } = raw as Record<string, unknown>;
  if (
    !Array.isArray(dot) ||
    dot.length !== 2 ||
    typeof dot[0] !== 'string' ||
    !Number.isSafeInteger(dot[1]) ||
    (dot[1] as number) < 1
  ) {
    throw new MalformedDataError('sibling', 'bad dot');
  }
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new MalformedDataError('sibling', 'bad timestamp');
  }
  const d: Dot = [dot[0], dot[1] as number];
  switch (kind) {
    case 'value':
      return { kind, dot: d, timestamp, value };
    case 'tombstone':
      return { kind, dot: d, timestamp };
    default:
      throw new MalformedDataError('sibling', `unknown kind ${String(kind)}`);
  }
}
