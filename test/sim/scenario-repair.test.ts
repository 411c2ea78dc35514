import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/sim/cli-args.js';
import { formatResult } from '../../src/sim/report.js';
import { defaultRepairTiming, runRepair } from '../../src/sim/scenario-repair.js';

describe('the repair scenario (the cluster benchmark kill phase, simulated)', () => {
  it('gives the same result for the same seed', () => {
    expect(runRepair(8, 3)).toEqual(runRepair(8, 3));
  });

  it('kills an eager child of the root and delivers every message to every survivor by the end', () => {
    const r = runRepair(8, 0);
    expect(r.victim).toMatch(/^n[1-7]$/);
    expect(r.allDelivered).toBe(true);
    expect(r.baselineMs).toBeGreaterThan(0);
  });

  it('reports late deliveries for every survivor and none for the victim or the root', () => {
    const r = runRepair(8, 1);
    const survivors = Object.keys(r.late100ByNode).sort();
    expect(survivors).toHaveLength(6);
    expect(survivors).not.toContain(r.victim);
    expect(survivors).not.toContain('n0');
    expect(r.late100).toBe(Object.values(r.late100ByNode).reduce((a, b) => a + b, 0));
  });

  it('counts a message later than 100 ms past the baseline both in late100 and in the worst extra delay', () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = runRepair(8, seed);
      expect(r.late100 > 0, `seed ${seed}`).toBe(r.maxExtraMs > 100);
    }
  });

  it('repairs within 150 ms the seeds that once left a node unfed for a lazy tick plus graftTimeout1', () => {
    // 20, 41: a swap crossed by the old parent's copies; 183: a re-parented node; at
    // 16 nodes 94, 95: a root pruning the copies of a catch-up, a feeder's prune.
    const cases: Array<[number, number]> = [
      [8, 20],
      [8, 41],
      [8, 183],
      [16, 94],
      [16, 95],
    ];
    for (const [nodes, seed] of cases) {
      const r = runRepair(nodes, seed);
      expect(r.maxExtraMs, `${nodes} nodes, seed ${seed}`).toBeLessThanOrEqual(150);
      expect(r.allDelivered).toBe(true);
    }
  });

  it('repairs within 150 ms, on 1 ms links with 60 ms detection, a new parent catching up a node that is fed', () => {
    // Seed 5: pruning the catch-up's duplicates left two nodes feeding each other only.
    const loaded = { ...defaultRepairTiming, latencyMs: { min: 0.1, max: 1 }, downDetectionMs: 60 };
    const r = runRepair(16, 5, loaded);
    expect(r.maxExtraMs).toBeLessThanOrEqual(150);
    expect(r.allDelivered).toBe(true);
  });

  it('takes a loaded machine from --latency-max and --detection-ms, and refuses a range below 0.1 ms', () => {
    expect(parseCliArgs(['repair', '--latency-max', '3', '--detection-ms', '40'])).toMatchObject({
      kind: 'run',
      latencyMaxMs: 3,
      detectionMs: 40,
    });
    expect(() => parseCliArgs(['repair', '--latency-max', '0.05'])).toThrow(/at least 0.1/);
  });

  it('is a scenario of the sim command line, with a one-line report', () => {
    expect(parseCliArgs(['repair', '--nodes', '16', '--seed', '5'])).toMatchObject({
      kind: 'run',
      scenario: 'repair',
      nodes: 16,
      seed: 5,
    });
    expect(formatResult(runRepair(4, 0))).toMatch(/^repair: 4 nodes, seed 0, killed n\d/);
  });
});
