import { beforeAll, describe, expect, it } from 'vitest';
import { dstInChild } from '../../src/sim/dst/cli-command.js';
import {
  batchScenarios,
  type DstReport,
  KNOWN_FAILING,
  runOne,
  scenarios,
} from '../../src/sim/dst/index.js';

function batchAtLowPriority(args: readonly string[]): Promise<DstReport> {
  return dstInChild(['--import', 'tsx', 'src/sim/cli.ts', ...args], 19);
}

const SEEDS = 100;
const runKey = (f: { scenario: string; overlay: string; seed: number }) =>
  `${f.scenario}/${f.overlay}#${f.seed}`;

describe('whole-stack deterministic simulator', () => {
  let report: DstReport;
  // The batch is the CLI's (same runner), in a child process at the lowest CPU
  // priority: it is CPU-bound for a while and must not starve the timing-sensitive
  // cluster tests that run beside it on a 2-core machine.
  beforeAll(async () => {
    report = await batchAtLowPriority([
      'dst',
      '--seeds',
      String(SEEDS),
      '--overlay',
      'both',
      '--named-seeds',
      '1',
      '--workers',
      '1',
      '--json',
    ]);
  }, 600_000);

  it('runs the random mix for every seed on both overlays, and each named scenario', () => {
    const named = scenarios
      .filter((s) => s.name !== 'random' && batchScenarios.includes(s.name))
      .reduce((n, s) => n + s.overlays.length, 0);
    expect(report.runs).toBe(SEEDS * 2 + named);
  });

  it('finds no violation in any run not known to fail', () => {
    const unexpected = report.failures.filter((f) => !KNOWN_FAILING.includes(runKey(f)));
    expect(unexpected).toEqual([]);
  });

  it.each(KNOWN_FAILING)('still reports %s as a violation (its fix is not merged here)', (key) => {
    expect(report.failures.some((f) => runKey(f) === key)).toBe(true);
  });

  it('reports eager pushes dropped to one node as a delivery violation, and replays it', () => {
    const first = runOne('sabotage-eager-drop', 7, 'full');
    expect(first.violations.map((v) => v.oracle)).toContain('delivery');
    expect(first.violations.find((v) => v.oracle === 'delivery')?.detail).toContain('n2');
    const again = runOne('sabotage-eager-drop', 7, 'full');
    expect(again.violations).toEqual(first.violations);
  });

  it('replays a seed exactly, trace included', () => {
    const a = runOne('random', 11, 'hyparview', { trace: true });
    const b = runOne('random', 11, 'hyparview', { trace: true });
    expect(a.trace.length).toBeGreaterThan(100);
    expect(b.trace).toEqual(a.trace);
    expect(b.violations).toEqual(a.violations);
  });

  it('gives a different run for a different seed', () => {
    const a = runOne('random', 1, 'full', { trace: true });
    const b = runOne('random', 2, 'full', { trace: true });
    expect(b.trace).not.toEqual(a.trace);
  });
});
