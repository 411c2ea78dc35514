/**
 * A node's data dir in the simulator. The membership file is written atomically
 * (temp file, fsync, rename in production), so it is durable once written. The
 * metadata log is appended to and synced in batches (group commit): a crash keeps
 * only the records of completed syncs, as a real crash loses un-fsynced writes.
 */
import type { LogRecord } from '../../handlers/metadata/metadata-log.js';
import type { MembershipStateData, NodeSpec } from '../../peer-service/core/index.js';

/** One node's simulated disk; it outlives the node's crashes. */
export class SimDisk {
  /** The last membership file written, if any. */
  membership: MembershipStateData | undefined;
  /** HyParView: the last views file written (the peers the node knew). */
  knownPeers: readonly NodeSpec[] | undefined;
  /** Ids the delivery probe handler has stored (written through, like a durable set). */
  readonly probeIds = new Set<string>();
  private readonly log: LogRecord[] = [];
  private synced = 0;

  /** Appends a record; it survives a crash only after the next {@link sync}. */
  append(record: LogRecord): void {
    this.log.push(record);
  }

  /** Completes a sync: every record appended so far is durable. Returns how many became so. */
  sync(): number {
    const n = this.log.length - this.synced;
    this.synced = this.log.length;
    return n;
  }

  /** Records not yet synced. */
  get unsynced(): number {
    return this.log.length - this.synced;
  }

  /** A crash: un-synced records are lost. */
  crash(): void {
    this.log.length = this.synced;
  }

  /** The durable records, in order (what a restart replays). */
  records(): readonly LogRecord[] {
    return this.log.slice(0, this.synced);
  }

  /** Wipes the data dir (a node that starts over under a fresh name never reuses it). */
  wipe(): void {
    this.membership = undefined;
    this.knownPeers = undefined;
    this.probeIds.clear();
    this.log.length = 0;
    this.synced = 0;
  }
}
