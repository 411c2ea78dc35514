/**
 * Turning concurrent siblings into one answer. The default is last writer wins among
 * the live values; see docs/metadata.md for why a delete does not win over a write it
 * never saw.
 */
import { lastWriterWins, type Sibling, type Write } from './object.js';

/** What a resolver decides: keep this value, or the key is deleted. */
export type Resolution = Write;

/** Picks one outcome from concurrent siblings; must be deterministic to converge. */
export type Resolver = (siblings: readonly Sibling[]) => Resolution;

/**
 * The built-in resolver: the value with the latest timestamp (ties broken by dot); the
 * key reads as deleted only when every sibling is a tombstone. A delete supersedes
 * exactly what it saw, so a write made concurrently with it, which the deleter never
 * saw, survives the delete rather than losing to a clock comparison.
 */
export const lwwResolver: Resolver = (siblings) => {
  const values = siblings.filter((s) => s.kind === 'value');
  if (values.length === 0) return { kind: 'tombstone' };
  const winner = lastWriterWins(values);
  return winner.kind === 'value' ? { kind: 'value', value: winner.value } : { kind: 'tombstone' };
};

/** The resolver an option names. */
export function resolverOf(option: 'lww' | Resolver | undefined): Resolver {
  return option === undefined || option === 'lww' ? lwwResolver : option;
}
