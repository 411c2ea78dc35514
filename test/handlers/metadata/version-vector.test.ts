import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compare,
  concurrent,
  coversDot,
  descends,
  EMPTY_VV,
  fromEntries,
  increment,
  isVersionVector,
  join,
  type VersionVector,
} from '../../../src/handlers/metadata/version-vector.js';

const vvArb: fc.Arbitrary<VersionVector> = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 5 })), {
    maxLength: 4,
  })
  .map((entries) => fromEntries(entries));

describe('version vectors', () => {
  it('descend after an increment, and a clock descends itself', () => {
    const a = increment(EMPTY_VV, 'a').clock;
    const ab = increment(a, 'b').clock;
    expect(descends(ab, a)).toBe(true);
    expect(descends(a, ab)).toBe(false);
    expect(descends(a, a)).toBe(true);
    expect(compare(ab, a)).toBe('after');
    expect(compare(a, ab)).toBe('before');
    expect(compare(a, a)).toBe('equal');
  });

  it('are concurrent when each has a write the other has not seen', () => {
    const base = increment(EMPTY_VV, 'a').clock;
    const left = increment(base, 'b').clock;
    const right = increment(base, 'c').clock;
    expect(concurrent(left, right)).toBe(true);
    expect(compare(left, right)).toBe('concurrent');
    const merged = join(left, right);
    expect(descends(merged, left) && descends(merged, right)).toBe(true);
    expect(merged).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('cover the dots they have seen and no others', () => {
    const { dot, clock } = increment([['x', 3]], 'x');
    expect(dot).toEqual(['x', 4]);
    expect(coversDot(clock, ['x', 4])).toBe(true);
    expect(coversDot(clock, ['x', 5])).toBe(false);
    expect(coversDot(clock, ['y', 1])).toBe(false);
  });

  it('accept only sorted, unique, positive entries', () => {
    expect(
      isVersionVector([
        ['a', 1],
        ['b', 2],
      ]),
    ).toBe(true);
    expect(
      isVersionVector([
        ['b', 1],
        ['a', 2],
      ]),
    ).toBe(false);
    expect(
      isVersionVector([
        ['a', 1],
        ['a', 2],
      ]),
    ).toBe(false);
    expect(isVersionVector([['a', 0]])).toBe(false);
    expect(isVersionVector([['a', 1.5]])).toBe(false);
    expect(isVersionVector({ a: 1 })).toBe(false);
  });

  it('join is a least upper bound: commutative, associative, idempotent', () => {
    fc.assert(
      fc.property(vvArb, vvArb, vvArb, (a, b, c) => {
        expect(join(a, b)).toEqual(join(b, a));
        expect(join(join(a, b), c)).toEqual(join(a, join(b, c)));
        expect(join(a, a)).toEqual(a);
        expect(descends(join(a, b), a)).toBe(true);
        expect(isVersionVector(join(a, b))).toBe(true);
        // descends agrees with join: a >= b exactly when joining b changes nothing.
        expect(descends(a, b)).toBe(JSON.stringify(join(a, b)) === JSON.stringify(a));
      }),
    );
  });
});
