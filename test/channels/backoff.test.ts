import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  backoffCeiling,
  backoffDelay,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
} from '../../src/channels/backoff.js';
import { type Rng, seededRng } from '../../src/util/rng.js';

/** An Rng that always returns `x`, to pin the jitter to an end of its range. */
const fixed = (x: number): Rng => ({ next: () => x });

describe('backoffCeiling', () => {
  it('starts at 100 ms and doubles up to the 10 s cap', () => {
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffCeiling(attempt));
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
    expect(DEFAULT_BACKOFF_BASE_MS).toBe(100);
    expect(DEFAULT_BACKOFF_CAP_MS).toBe(10_000);
  });

  it('stays at the cap after a very long outage', () => {
    expect(backoffCeiling(1_000_000)).toBe(DEFAULT_BACKOFF_CAP_MS);
    expect(Number.isFinite(backoffCeiling(Number.MAX_SAFE_INTEGER))).toBe(true);
  });

  it('honours custom base and cap', () => {
    expect(backoffCeiling(0, { baseMs: 50, capMs: 120 })).toBe(50);
    expect(backoffCeiling(1, { baseMs: 50, capMs: 120 })).toBe(100);
    expect(backoffCeiling(2, { baseMs: 50, capMs: 120 })).toBe(120);
  });

  it('refuses a non-positive base or a cap below the base', () => {
    expect(() => backoffCeiling(0, { baseMs: 0 })).toThrow(RangeError);
    expect(() => backoffCeiling(0, { baseMs: 100, capMs: 50 })).toThrow(RangeError);
  });
});

describe('backoffDelay', () => {
  it('is 0 at the bottom of the jitter range', () => {
    expect(backoffDelay(5, fixed(0))).toBe(0);
  });

  it('stays below the ceiling at the top of the jitter range', () => {
    expect(backoffDelay(3, fixed(1 - 2 ** -53))).toBe(799);
  });

  it('always lies in [0, ceiling)', () => {
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, x) => {
          const delay = backoffDelay(attempt, fixed(x));
          return Number.isInteger(delay) && delay >= 0 && delay < backoffCeiling(attempt);
        },
      ),
    );
  });

  it('spreads delays over the whole range (full jitter)', () => {
    const rng = seededRng(7);
    const delays = Array.from({ length: 200 }, () => backoffDelay(20, rng));
    expect(Math.min(...delays)).toBeLessThan(1000);
    expect(Math.max(...delays)).toBeGreaterThan(9000);
  });
});

describe('Backoff', () => {
  it('counts attempts and lengthens the ceiling with each failure', () => {
    const backoff = new Backoff(fixed(0.5));
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([50, 100, 200]);
    expect(backoff.attempt).toBe(3);
  });

  it('starts from the base again after a reset', () => {
    const backoff = new Backoff(fixed(0.5));
    for (let i = 0; i < 10; i++) backoff.next();
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it('replays the same delays for the same seed', () => {
    const run = () => {
      const backoff = new Backoff(seededRng(42));
      return Array.from({ length: 12 }, () => backoff.next());
    };
    expect(run()).toEqual(run());
  });

  it('validates its options when built', () => {
    expect(() => new Backoff(fixed(0), { capMs: 10 })).toThrow(RangeError);
  });
});
