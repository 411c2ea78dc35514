import { compareCodeUnits } from './names.js';

/**
 * Which connection survives when two connections for the same (peer, channel, lane)
 * slot are both established, as happens when two nodes dial each other at once. Both
 * nodes must reach the same answer without talking, so the rule depends only on the
 * two names and on who dialled each connection.
 */

/** Seen from one node: a connection it dialled (`outbound`) or one it accepted. */
export type ConnectionDirection = 'outbound' | 'inbound';

/** What to do with the two connections of a slot. */
export type TieBreakDecision = 'keep_existing' | 'keep_incoming';

/** The node whose dialled connection wins a simultaneous dial: the lower name in code-unit order. */
export function preferredDialer(a: string, b: string): string {
  return compareCodeUnits(a, b) <= 0 ? a : b;
}

/**
 * Decides between an established connection and a newly established one for the same
 * slot. When they were dialled by different nodes, the one dialled by the
 * {@link preferredDialer} stays; both nodes compute the same answer, so exactly one
 * connection survives. When the same node dialled both, the newer one replaces the
 * older, which is what a reconnect after an unnoticed failure looks like.
 */
export function resolveDuplicate(
  local: string,
  peer: string,
  existing: ConnectionDirection,
  incoming: ConnectionDirection,
): TieBreakDecision {
  if (existing === incoming) return 'keep_incoming';
  const winner = preferredDialer(local, peer);
  const winningDirection: ConnectionDirection = winner === local ? 'outbound' : 'inbound';
  return existing === winningDirection ? 'keep_existing' : 'keep_incoming';
}
