/**
 * Version vectors: for each actor that ever wrote a key, how many of its writes to
 * that key are known. Kept as an array of `[actor, counter]` pairs sorted by actor, so
 * that equal clocks have equal encodings (the Merkle tree hashes them) and so that
 * they cross msgpackr untouched; a plain object keyed by actor would let a peer name an
 * actor `__proto__`.
 */

/** One actor's entry; the counter is a positive integer. */
export type VersionVectorEntry = readonly [actor: string, counter: number];

/** Sorted by actor, no duplicate actors, no zero counters. */
export type VersionVector = readonly VersionVectorEntry[];

/** A single write event: the `counter`-th write of `actor` to one key. */
export type Dot = readonly [actor: string, counter: number];

/** How two clocks relate. */
export type ClockOrder = 'equal' | 'before' | 'after' | 'concurrent';

/** The clock that knows nothing. */
export const EMPTY_VV: VersionVector = Object.freeze([]) as VersionVector;

/** How many writes of `actor` the clock knows (0 if none). */
export function counterOf(vv: VersionVector, actor: string): number {
  let lo = 0;
  let hi = vv.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = vv[mid] as VersionVectorEntry;
    if (entry[0] === actor) return entry[1];
    if (entry[0] < actor) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** True when the clock has seen the write named by `dot`. */
export function coversDot(vv: VersionVector, dot: Dot): boolean {
  return counterOf(vv, dot[0]) >= dot[1];
}

/** The clock with `actor`'s counter raised to at least `counter`. */
export function withCounter(vv: VersionVector, actor: string, counter: number): VersionVector {
  return join(vv, [[actor, counter]]);
}

/** The next write of `actor` on top of `vv`: its dot and the clock that includes it. */
export function increment(vv: VersionVector, actor: string): { dot: Dot; clock: VersionVector } {
  const counter = counterOf(vv, actor) + 1;
  return { dot: [actor, counter], clock: withCounter(vv, actor, counter) };
}

/** The least clock that descends both (pointwise maximum). */
export function join(a: VersionVector, b: VersionVector): VersionVector {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: VersionVectorEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      out.push(x as VersionVectorEntry);
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      out.push(y);
      j++;
    } else {
      out.push(x[1] >= y[1] ? x : y);
      i++;
      j++;
    }
  }
  return out;
}

/** True when `a` has seen everything `b` has (`a >= b` pointwise); every clock descends itself. */
export function descends(a: VersionVector, b: VersionVector): boolean {
  let i = 0;
  for (const [actor, counter] of b) {
    while (i < a.length && (a[i] as VersionVectorEntry)[0] < actor) i++;
    const x = a[i];
    if (x === undefined || x[0] !== actor || x[1] < counter) return false;
  }
  return true;
}

/** The causal order between two clocks. */
export function compare(a: VersionVector, b: VersionVector): ClockOrder {
  const ab = descends(a, b);
  const ba = descends(b, a);
  if (ab && ba) return 'equal';
  if (ab) return 'after';
  if (ba) return 'before';
  return 'concurrent';
}

/** Neither clock descends the other: the writes they name happened without seeing each other. */
export function concurrent(a: VersionVector, b: VersionVector): boolean {
  return compare(a, b) === 'concurrent';
}

/** True for a well-formed clock: sorted unique string actors with positive integer counters. */
export function isVersionVector(value: unknown): value is VersionVector {
  if (!Array.isArray(value)) return false;
  let previous: string | undefined;
  for (const entry of value as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return false;
    const [actor, counter] = entry as [unknown, unknown];
    if (typeof actor !== 'string' || !Number.isSafeInteger(counter) || (counter as number) < 1) {
      return false;
    }
    if (previous !== undefined && actor <= previous) return false;
    previous = actor;
  }
  return true;
}

/** Builds a clock from unordered entries, keeping the highest counter per actor. */
export function fromEntries(entries: Iterable<readonly [string, number]>): VersionVector {
  let vv: VersionVector = EMPTY_VV;
  for (const [actor, counter] of entries) {
    if (counter > 0) vv = withCounter(vv, actor, counter);
  }
  return vv;
}
