import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickOne, sample, seededRng, shuffled } from '../../src/util/rng.js';

describe('seededRng', () => {
  it('replays the same sequence for the same seed', () => {
    const a = seededRng(212312388123);
    const b = seededRng(212312388123);
    const xs = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
  });

  it('gives different sequences for different seeds', () => {
    expect(seededRng(0).next()).not.toEqual(seededRng(1).next());
  });

  it('stays in [0, 1)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (seed) => {
        const r = seededRng(seed);
        for (let i = 0; i < 50; i++) {
          const x = r.next();
          if (!(x >= 0 && x < 1)) return false;
        }
        return true;
      }),
    );
  });
});

describe('choice helpers', () => {
  it('pickOne of an empty list is undefined', () => {
    expect(pickOne(seededRng(1), [])).toBeUndefined();
  });

  it('shuffled is a permutation of its input', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer(), (xs, seed) => {
        const out = shuffled(seededRng(seed), xs);
        expect([...out].sort()).toEqual([...xs].sort());
      }),
    );
  });

  it('sample returns min(k, n) distinct positions of its input', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer()), fc.nat(40), fc.integer(), (xs, k, seed) => {
        const out = sample(seededRng(seed), xs, k);
        expect(out.length).toBe(Math.min(k, xs.length));
        expect(new Set(out).size).toBe(out.length);
        for (const x of out) expect(xs).toContain(x);
      }),
    );
  });
});
