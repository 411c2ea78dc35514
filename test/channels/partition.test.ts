import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { laneForKey, stableHash } from '../../src/channels/partition.js';

describe('stableHash', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, so non-ASCII keys are stable too', () => {
    expect(stableHash('é')).toBe(stableHash(Buffer.from('é', 'utf8').toString('utf8')));
    expect(stableHash('é')).not.toBe(stableHash('e'));
  });

  it('returns an unsigned 32-bit integer', () => {
    fc.assert(
      fc.property(
        fc.string(),
        (s) => Number.isInteger(stableHash(s)) && stableHash(s) >= 0 && stableHash(s) < 2 ** 32,
      ),
    );
  });
});

describe('laneForKey', () => {
  it('maps an integer key to key mod parallelism', () => {
    expect([0, 1, 2, 3, 4, 7].map((k) => laneForKey(k, 3))).toEqual([0, 1, 2, 0, 1, 1]);
  });

  it('wraps negative integer keys into range', () => {
    expect(laneForKey(-1, 4)).toBe(3);
    expect(laneForKey(-4, 4)).toBe(0);
  });

  it('maps string keys through the stable hash', () => {
    expect(laneForKey('user-1', 8)).toBe(stableHash('user-1') % 8);
  });

  it('maps fractional numbers through the hash of their text', () => {
    expect(laneForKey(1.5, 8)).toBe(stableHash('1.5') % 8);
  });

  it('always returns a lane in range, the same one for the same key', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double(), fc.string()),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const lane = laneForKey(key, n);
          return Number.isInteger(lane) && lane >= 0 && lane < n && lane === laneForKey(key, n);
        },
      ),
    );
  });

  it('sends every key to lane 0 with parallelism 1', () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.string()), (key) => laneForKey(key, 1) === 0));
  });

  it('refuses a parallelism below 1', () => {
    expect(() => laneForKey(1, 0)).toThrow(RangeError);
  });
});
