import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/event-queue.js';

describe('EventQueue', () => {
  it('pops items by time, and items due at the same time in insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue<number>();
        for (const [i, t] of times.entries()) q.push(t, i);
        const out: number[] = [];
        for (let i = q.pop(); i !== undefined; i = q.pop()) out.push(i);
        const expected = times
          .map((t, i) => [t, i] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(out).toEqual(expected.map(([, i]) => i));
      }),
    );
  });

  it('interleaves pushes and pops correctly', () => {
    const q = new EventQueue<string>();
    q.push(5, 'a');
    q.push(1, 'b');
    expect(q.pop()).toBe('b');
    q.push(3, 'c');
    q.push(5, 'd');
    expect([q.peekTime(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([
      3,
      'c',
      'a',
      'd',
      undefined,
    ]);
    expect(q.size).toBe(0);
  });
});
