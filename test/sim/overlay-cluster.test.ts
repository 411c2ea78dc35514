import { describe, expect, it } from 'vitest';
import { overlayReport } from '../../src/sim/overlay-analysis.js';
import { OverlayCluster } from '../../src/sim/overlay-cluster.js';
import { defaultJoinStaggerMs } from '../../src/sim/scenario-settings.js';

const seeds = [0, 1, 212312388123, 123];

function bootstrapped(size: number, seed: number): OverlayCluster {
  const cluster = new OverlayCluster({ size, seed, joinStaggerMs: defaultJoinStaggerMs(size) });
  cluster.bootstrap(20_000);
  return cluster;
}

describe('HyParView overlay after bootstrap through one node', () => {
  it.each(seeds)('100 nodes, seed %s: symmetric, bounded, nobody isolated, connected', (seed) => {
    const report = overlayReport(bootstrapped(100, seed));
    expect(report.violations).toEqual([]);
    expect(report.components).toEqual([100]);
    expect(report.minActive).toBeGreaterThanOrEqual(1);
    expect(report.maxActive).toBeLessThanOrEqual(5);
  });

  it.each(seeds)('1000 nodes, seed %s: symmetric, bounded, nobody isolated, connected', (seed) => {
    const report = overlayReport(bootstrapped(1000, seed));
    expect(report.violations).toEqual([]);
    expect(report.components).toEqual([1000]);
  });

  it('a Plumtree broadcast and a flood reach every node over the overlay', () => {
    const cluster = bootstrapped(60, 7);
    const sender = cluster.node('n17');
    const id = sender.broadcast('hello');
    const floodId = sender.floodBroadcast('hello');
    cluster.runFor(3000);
    for (const node of cluster.nodes) {
      expect(cluster.plumtreeTracker.holds(node.name, id)).toBe(true);
      expect(node.flood.has(floodId)).toBe(true);
    }
    // Each Plumtree node's peers are exactly its active view.
    for (const node of cluster.nodes) {
      const members = [...node.plumtree.state.allMembers].filter((m) => m !== node.name).sort();
      expect(members).toEqual([...node.membership.active.keys()].sort());
    }
  });

  it('crashed neighbours leave the active views once detected', () => {
    const cluster = bootstrapped(50, 3);
    const victims = ['n5', 'n6', 'n7', 'n8', 'n9'];
    cluster.crash(victims);
    cluster.runFor(30_000);
    const report = overlayReport(cluster);
    expect(report.live).toBe(45);
    expect(report.violations).toEqual([]);
  });
});
