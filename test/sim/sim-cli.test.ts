import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/sim/cli-args.js';
import { fastRng } from '../../src/sim/fast-rng.js';
import { lineChart, niceTicks } from '../../src/sim/svg-plot.js';

describe('sim command line', () => {
  it('parses a scenario run', () => {
    expect(parseCliArgs(['burst', '--nodes', '1000', '--seed', '212312388123', '--json'])).toEqual({
      kind: 'run',
      scenario: 'burst',
      nodes: 1000,
      seed: 212312388123,
      json: true,
      flood: true,
      joinStaggerMs: undefined,
      settleMs: undefined,
      rounds: undefined,
      contacts: 'bootstrap',
      newRootSeed: undefined,
    });
  });

  it('answers --help after a command with the usage, not a missing-value error', () => {
    expect(parseCliArgs(['dst', '--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['burst', '--nodes', '10', '-h'])).toEqual({ kind: 'help' });
  });

  it('parses the options of a large run', () => {
    const cmd = parseCliArgs([
      'single',
      '--nodes=100000',
      '--rounds=10',
      '--contacts=random',
      '--stagger=0.2',
      '--settle=5000',
      '--new-root-seed=learned',
    ]);
    expect(cmd).toMatchObject({
      nodes: 100_000,
      rounds: 10,
      contacts: 'random',
      joinStaggerMs: 0.2,
      settleMs: 5000,
      newRootSeed: 'learned',
    });
  });

  it('keeps seeds beyond 2^53 exact', () => {
    const cmd = parseCliArgs(['single', '--seed=18446744073709551615']);
    expect(cmd.kind === 'run' && cmd.seed).toBe(18446744073709551615n);
  });

  it.each([
    [[]],
    [['nope']],
    [['single', '--nodes', '1']],
    [['single', '--nodes', 'ten']],
    [['single', '--seed', '-3']],
    [['single', '--contacts', 'everyone']],
    [['single', '--new-root-seed', 'oldest']],
    [['single', '--rounds', '0']],
    [['single', '--seed']],
    [['single', '--frobnicate', '2']],
    [['single', '--json=yes']],
    [['single', 'extra']],
    [['plots', '--sizes', '']],
  ])('rejects %j with a usage error', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
  });
});

describe('svg plots', () => {
  it('draws one polyline per series, with a legend entry each', () => {
    const svg = lineChart({
      title: 'RMR <per> round',
      xLabel: 'round',
      yLabel: 'RMR',
      series: [
        {
          name: 'a',
          points: [
            [1, 0.5],
            [2, 0],
            [3, 0],
          ],
        },
        {
          name: 'b',
          points: [
            [1, 2.5],
            [2, 2.5],
            [3, 2.5],
          ],
          dashed: true,
        },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('RMR &lt;per&gt; round');
  });

  it('picks round ticks that cover the range', () => {
    expect(niceTicks(0, 2.6)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});

describe('fastRng', () => {
  it('replays from a seed and stays in [0, 1)', () => {
    const a = fastRng(212312388123);
    const b = fastRng(212312388123);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(fastRng(1).next()).not.toBe(fastRng(2).next());
  });
});
