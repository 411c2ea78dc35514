import type { Rng } from '../util/rng.js';

/**
 * A fast seeded {@link Rng} for large simulations: sfc32 (Small Fast Counting: four
 * 32-bit state words, integer arithmetic only) seeded through a SplitMix-style mixer.
 * The project's `seededRng` works on BigInts, which costs more than the events
 * themselves in a 10,000-node run; this one is statistically adequate for picking
 * peers and latencies and still replays exactly from a seed. Seeds beyond 2^53
 * (such as 212312388123n) are folded into the state through both 32-bit halves.
 */
export function fastRng(seed: number | bigint): Rng {
  const big = BigInt.asUintN(64, BigInt(seed));
  let s = Number(big & 0xffffffffn) >>> 0;
  const hi = Number(big >> 32n) >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s ^ hi;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const word = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm-up rounds, as the generator's authors recommend.
  for (let i = 0; i < 12; i++) word();
  return {
    next(): number {
      // 53 random bits: 27 from one word, 26 from the next.
      return ((word() >>> 5) * 67108864 + (word() >>> 6)) / 9007199254740992;
    },
  };
}
