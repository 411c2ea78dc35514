/**
 * Injected randomness for the pure cores: a core never calls `Math.random`, it is
 * handed an {@link Rng} so that the same seed replays the same run in tests, under
 * fast-check and in the simulator.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
}

/**
 * A seeded generator (SplitMix64 reduced to 53-bit floats). Any safe integer seed is
 * accepted, including seeds larger than 2^32 such as the simulator's 212312388123.
 */
export function seededRng(seed: number | bigint): Rng {
  let s = BigInt.asUintN(64, BigInt(seed));
  const mask = (1n << 64n) - 1n;
  return {
    next(): number {
      s = (s + 0x9e3779b97f4a7c15n) & mask;
      let z = s;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      z = z ^ (z >> 31n);
      return Number(z >> 11n) / 2 ** 53;
    },
  };
}

/** The runtime's generator for shells (actors, sockets): not seeded, not for cores. */
export const systemRng: Rng = { next: () => Math.random() };

/** An integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** One element chosen uniformly, or undefined for an empty list. */
export function pickOne<T>(rng: Rng, items: readonly T[]): T | undefined {
  if (items.length === 0) return undefined;
  return items[randomInt(rng, items.length)];
}

/** A uniformly shuffled copy (Fisher–Yates). */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

/** Up to `k` distinct elements chosen uniformly (partial Fisher–Yates). */
export function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const out = items.slice();
  const n = Math.min(k, out.length);
  for (let i = 0; i < n; i++) {
    const j = i + randomInt(rng, out.length - i);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out.slice(0, n);
}
