import { membersOf } from '../peer-service/core/index.js';
import type { NodeCoreState } from './node-core-state.js';

/**
 * The peer service's own view, self excluded, sorted: every live member for full
 * membership, the active view for HyParView. What the broadcast layer is told.
 */
export function viewOf(state: NodeCoreState): string[] {
  const m = state.membership;
  const names = m.overlay === 'full' ? membersOf(m.core) : [...m.core.active.keys()];
  return names.filter((n) => n !== state.self.name).sort();
}
