import { describe, expect, it } from 'vitest';
import { exitWithin, runCliProcess } from '../support/cli.js';

describe('plumtree demo', () => {
  it('runs a small cluster and reports full delivery, RMR and latency as JSON', async () => {
    const p = runCliProcess([
      'demo',
      '--nodes',
      '4',
      '--messages',
      '20',
      '--json',
      '--out',
      'demo-output/ci',
    ]);
    expect(await exitWithin(p, 60_000)).toBe(0);
    const summary = JSON.parse(p.out.join('\n')) as {
      nodes: number;
      messages: number;
      allDelivered: boolean;
      deliveredPerNode: Record<string, number>;
      rmrFirst: number;
      rmrSettled: number;
      latencyMs: { p50: number; p99: number };
      svgFile: string;
      missed: number;
    };
    expect(summary.nodes).toBe(4);
    expect(summary.allDelivered).toBe(true);
    expect(Object.values(summary.deliveredPerNode)).toEqual([20, 20, 20, 20]);
    expect(summary.missed).toBe(0);
    expect(summary.rmrFirst).toBeGreaterThanOrEqual(0);
    expect(summary.rmrSettled).toBeGreaterThanOrEqual(0);
    expect(summary.rmrSettled).toBeLessThanOrEqual(summary.rmrFirst);
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
    expect(summary.svgFile).toMatch(/tree-node1\.svg$/);
  }, 90_000);
});
