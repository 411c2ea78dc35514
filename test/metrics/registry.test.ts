import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/index.js';

describe('metrics registry', () => {
  it('a bound series exists at 0 before its first increment', () => {
    const r = new MetricsRegistry();
    r.counter('c_total', 'help').bind({ type: 'x' });
    expect(r.snapshot()).toEqual([
      {
        name: 'c_total',
        help: 'help',
        kind: 'counter',
        samples: [{ labels: { type: 'x' }, value: 0 }],
      },
    ]);
  });

  it('a bound series and the labelled counter count into the same series', () => {
    const r = new MetricsRegistry();
    const c = r.counter('c_total', 'help');
    const bound = c.bind({ b: '2', a: '1' });
    bound.inc();
    c.inc({ a: '1', b: '2' }, 2);
    expect(bound.get()).toBe(3);
    expect(c.get({ a: '1', b: '2' })).toBe(3);
  });

  it('binding a series twice keeps its count', () => {
    const r = new MetricsRegistry();
    const c = r.counter('c_total', 'help');
    c.bind().inc(4);
    expect(c.bind().get()).toBe(4);
  });

  it('a bound series refuses to decrease', () => {
    const r = new MetricsRegistry();
    expect(() => r.counter('c_total', 'help').bind().inc(-1)).toThrow(RangeError);
  });
});
