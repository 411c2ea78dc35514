/**
 * Rebuilding the in-memory replica from the log's records at open, and recovering the
 * highest counter this actor used so a restarted node never hands out a dot twice.
 */
import type { LogRecord } from './metadata-log.js';
import type { ReplicaStore } from './replica.js';
import { counterOf, type VersionVector } from './version-vector.js';

/** Applies `records` in order to `replica`; returns the highest counter `actor` used. */
export function replayLog(
  records: Iterable<LogRecord>,
  replica: ReplicaStore,
  actor: string,
  loadedAt: number,
): number {
  let floor = 0;
  const counters = (clock: VersionVector): void => {
    floor = Math.max(floor, counterOf(clock, actor));
  };
  for (const record of records) {
    switch (record.type) {
      case 'put':
        replica.set(record.prefix, record.key, record.object, loadedAt);
        counters(record.object.clock);
        break;
      case 'forget':
        replica.forget(record.prefix, record.key, record.clock, loadedAt);
        counters(record.clock);
        break;
      case 'floor':
        if (record.actor === actor) floor = Math.max(floor, record.counter);
        break;
      case 'header':
        break;
      default: {
        const unreachable: never = record;
        throw new Error(`unknown record ${String(unreachable)}`);
      }
    }
  }
  return floor;
}
