import { type Rng, randomInt } from '../../util/rng.js';
import { InvalidInitialSetsError } from './errors.js';
import type { NodeName } from './messages.js';
import type { InitialSetsMode } from './options.js';

/** A node's initial common sets. */
export interface InitialSets {
  readonly eagers: readonly NodeName[];
  readonly lazys: readonly NodeName[];
}

/**
 * The initial eager and lazy peers of `node` among `members` (see
 * {@link InitialSetsMode}). Linear in the members and allocation-light, because a
 * simulator builds thousands of nodes from one shared member list.
 */
export function initialSets(
  node: NodeName,
  members: readonly NodeName[],
  mode: InitialSetsMode,
  rng: Rng,
): InitialSets {
  const others = [...new Set(members)].filter((m) => m !== node);
  if (mode === 'allEager') return { eagers: others, lazys: [] };
  if (others.length === 0) return { eagers: [], lazys: [] };
  if (others.length === 1) return { eagers: others, lazys: [] };
  const eagerCount = others.length + 1 < 5 ? 1 : 2;
  const chosen: NodeName[] = [];
  if (mode === 'documented') chosen.push(successor(node, others) as NodeName);
  while (chosen.length < eagerCount + 1) {
    // Rejection sampling: at most three picks out of at least two candidates.
    const candidate = others[randomInt(rng, others.length)] as NodeName;
    if (!chosen.includes(candidate)) chosen.push(candidate);
  }
  return { eagers: chosen.slice(0, eagerCount), lazys: chosen.slice(eagerCount) };
}

/**
 * The next name after `node` in sort order among `others` (`node` itself is
 * skipped), wrapping around to the smallest; undefined when there is none.
 */
export function successor(node: NodeName, others: Iterable<NodeName>): NodeName | undefined {
  let next: NodeName | undefined;
  let smallest: NodeName | undefined;
  for (const m of others) {
    if (m === node) continue;
    if (smallest === undefined) smallest = m;
    if (m < smallest) smallest = m;
    if (m > node && (next === undefined || m < next)) next = m;
  }
  return next ?? smallest;
}

/**
 * Checks explicit initial sets: `eagers`, `lazys` ⊆ `members`, disjoint, without
 * `node`, and `lazys` empty when there are fewer than 3 members.
 * @throws {InvalidInitialSetsError}
 */
export function validateInitialSets(
  node: NodeName,
  members: ReadonlySet<NodeName>,
  eagers: readonly NodeName[],
  lazys: readonly NodeName[],
): void {
  const all = [...eagers, ...lazys];
  if (all.includes(node)) throw new InvalidInitialSetsError('containsSelf', [node]);
  const strangers = all.filter((p) => !members.has(p));
  if (strangers.length > 0) throw new InvalidInitialSetsError('notMember', strangers);
  const eagerSet = new Set(eagers);
  const both = lazys.filter((p) => eagerSet.has(p));
  if (both.length > 0) throw new InvalidInitialSetsError('overlap', both);
  if (members.size < 3 && lazys.length > 0) {
    throw new InvalidInitialSetsError('lazysWithFewMembers', [...lazys]);
  }
}
