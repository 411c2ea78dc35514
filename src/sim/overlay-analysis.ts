import type { OverlayCluster } from './overlay-cluster.js';

/** The shape of the live overlay (active views of live nodes). */
export interface OverlayReport {
  readonly live: number;
  /** Violations of HyParView's invariants; empty when they all hold. */
  readonly violations: readonly string[];
  /** Sizes of the connected components of live nodes, largest first. */
  readonly components: readonly number[];
  readonly minActive: number;
  readonly maxActive: number;
  readonly meanActive: number;
}

/**
 * Checks the live overlay: active views symmetric, within `activeMaxSize`, only
 * live peers, no node isolated, passive views within bounds and disjoint from the
 * active view; and measures its connected components (an edge is a live node's
 * active entry for another live node).
 */
export function overlayReport(cluster: OverlayCluster): OverlayReport {
  const violations: string[] = [];
  const live = cluster.live();
  const liveSet = new Set(live.map((n) => n.name));
  let minActive = Number.POSITIVE_INFINITY;
  let maxActive = 0;
  let sumActive = 0;
  for (const node of live) {
    const { active, passive, options } = node.membership;
    minActive = Math.min(minActive, active.size);
    maxActive = Math.max(maxActive, active.size);
    sumActive += active.size;
    if (active.size === 0) violations.push(`${node.name} isolated`);
    if (active.size > options.activeMaxSize) violations.push(`${node.name} active view too large`);
    if (passive.size > options.passiveMaxSize)
      violations.push(`${node.name} passive view too large`);
    if (active.has(node.name) || passive.has(node.name))
      violations.push(`${node.name} lists itself`);
    for (const peer of active.keys()) {
      if (passive.has(peer)) violations.push(`${node.name} has ${peer} in both views`);
      if (!liveSet.has(peer)) violations.push(`${node.name} keeps crashed ${peer} active`);
      else if (!cluster.node(peer).membership.active.has(node.name)) {
        violations.push(`${node.name}->${peer} not symmetric`);
      }
    }
  }
  return {
    live: live.length,
    violations,
    components: liveComponents(cluster).map((c) => c.size),
    minActive: live.length === 0 ? 0 : minActive,
    maxActive,
    meanActive: live.length === 0 ? 0 : sumActive / live.length,
  };
}

/**
 * Connected components of the live overlay, largest first (ties by first member's
 * index). Links count in either direction, so a link still being set up counts.
 */
export function liveComponents(cluster: OverlayCluster): Set<string>[] {
  const live = cluster.live();
  const liveSet = new Set(live.map((n) => n.name));
  const adjacency = new Map<string, string[]>();
  for (const n of live) adjacency.set(n.name, []);
  for (const n of live) {
    for (const peer of n.membership.active.keys()) {
      if (!liveSet.has(peer)) continue;
      adjacency.get(n.name)?.push(peer);
      adjacency.get(peer)?.push(n.name);
    }
  }
  const seen = new Set<string>();
  const components: Set<string>[] = [];
  for (const n of live) {
    if (seen.has(n.name)) continue;
    const component = new Set([n.name]);
    seen.add(n.name);
    const stack = [n.name];
    while (stack.length > 0) {
      for (const peer of adjacency.get(stack.pop() as string) ?? []) {
        if (!seen.has(peer)) {
          seen.add(peer);
          component.add(peer);
          stack.push(peer);
        }
      }
    }
    components.push(component);
  }
  return components.sort((a, b) => b.size - a.size);
}
