/**
 * Identity of a node as the peer service sees it: the channel layer's validated spec
 * (the layer below owns the type and its validation), plus the canonical form the
 * membership lattice needs.
 */
import type { NodeSpec } from '../../channels/node-spec.js';

export type { ChannelSpec, ListenAddr, NodeSpec } from '../../channels/node-spec.js';

/**
 * A canonical text form of a spec: object keys sorted, addresses kept in their order.
 * Two specs are the same spec exactly when their canonical forms are equal, which is
 * what the membership lattice needs to break ties deterministically on every replica.
 */
export function canonicalSpec(spec: NodeSpec): string {
  return JSON.stringify(sortKeys(spec));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}
