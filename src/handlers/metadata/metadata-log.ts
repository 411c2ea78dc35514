/**
 * Durability: an append-only log of msgpackr records, each framed as
 * `[u32 length][u32 crc32][payload]` (little endian). Every record holds a key's whole
 * object after a change, so replaying the log in order and keeping the last record per
 * key rebuilds the replica, and compaction is writing one record per live key.
 *
 * Why a log rather than an embedded database: the store already keeps every object in
 * memory (the hash trees and `get` need them), so the disk only has to make changes
 * durable and replayable. A log does that with one sequential write and one fsync per
 * batch, needs no native dependency, and its failure mode after a crash (a torn last
 * record) is detected by the checksum and cut off on load.
 *
 * fsync policy (group commit): `append` resolves only after the record has been
 * written and `fdatasync`ed. Records appended while a sync is under way are written
 * together by the next one, so concurrent writers share one sync. Compaction writes
 * the live state to a temporary file, syncs it, renames it over the log and syncs the
 * directory, so a crash at any point leaves either the old log or the new one.
 */
import { type FileHandle, mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { decode, encode } from './codec.js';
import { crc32 } from './crc32.js';
import { LogFormatError, MalformedDataError, StoreClosedError } from './errors.js';
import { type MetadataObject, parseObject } from './object.js';
import { checkKey, checkPrefix, type FullPrefix, type MetadataKey, prefixId } from './prefix.js';
import { isVersionVector, type VersionVector } from './version-vector.js';

/** The log's name inside the data directory. */
export const LOG_FILE = 'metadata.log';
const COMPACT_FILE = 'metadata.log.compact';
const FORMAT = 'plumtree-ts/metadata-log';
const VERSION = 1;
const FRAME_HEADER = 8;
/** Larger lengths can only be garbage: no single object is allowed to get near this. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** One record of the log. */
export type LogRecord =
  | { readonly type: 'header'; readonly format: string; readonly version: number }
  | {
      readonly type: 'put';
      readonly prefix: FullPrefix;
      readonly key: MetadataKey;
      readonly object: MetadataObject;
    }
  | {
      readonly type: 'forget';
      readonly prefix: FullPrefix;
      readonly key: MetadataKey;
      /** The clock of the collected tombstone. */
      readonly clock: VersionVector;
    }
  /** The highest counter this store's actor has used, kept across compactions. */
  | { readonly type: 'floor'; readonly actor: string; readonly counter: number };

/** Options of {@link MetadataLog.open}. */
export interface MetadataLogOptions {
  readonly dir: string;
  /** Sync each batch before acknowledging it (default true; false only for throwaway data). */
  readonly fsync?: boolean;
  /** Never compact a log smaller than this (default 4 MiB). */
  readonly compactMinBytes?: number;
  /** Compact once the log is this many times the size of its live records (default 2). */
  readonly compactRatio?: number;
}

/** What was found on disk. */
export interface LoadedLog {
  readonly log: MetadataLog;
  /** Every record after the header, in order. */
  readonly records: LogRecord[];
  /** Bytes cut off the end because the last record was torn or corrupt. */
  readonly truncatedBytes: number;
}

/** Frames a record for the log. */
export function frameRecord(record: LogRecord): Uint8Array {
  const payload = encode(record);
  const frame = new Uint8Array(FRAME_HEADER + payload.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.byteLength, true);
  view.setUint32(4, crc32(payload), true);
  frame.set(payload, FRAME_HEADER);
  return frame;
}

/**
 * Splits log bytes into records. Stops at the first frame that is incomplete, fails
 * its checksum or does not decode: appends are written in order and synced before they
 * are acknowledged, so only an unacknowledged tail can be damaged, and nothing after
 * it can be trusted.
 */
export function parseLog(bytes: Uint8Array): { records: LogRecord[]; validBytes: number } {
  const records: LogRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + FRAME_HEADER <= bytes.byteLength) {
    const length = view.getUint32(offset, true);
    const sum = view.getUint32(offset + 4, true);
    const end = offset + FRAME_HEADER + length;
    if (length > MAX_RECORD_BYTES || end > bytes.byteLength) break;
    const payload = bytes.subarray(offset + FRAME_HEADER, end);
    if (crc32(payload) !== sum) break;
    let record: LogRecord;
    try {
      record = parseRecord(decode(payload));
    } catch {
      break;
    }
    records.push(record);
    offset = end;
  }
  return { records, validBytes: offset };
}

function parseRecord(raw: unknown): LogRecord {
  if (typeof raw !== 'object' || raw === null)
    throw new MalformedDataError('log record', 'not a map');
  const r = raw as Record<string, unknown>;
  switch (r.type) {
    case 'header':
      if (typeof r.format !== 'string' || typeof r.version !== 'number') {
        throw new MalformedDataError('log record', 'bad header');
      }
      return { type: 'header', format: r.format, version: r.version };
    case 'put':
      checkPrefix(r.prefix);
      checkKey(r.key);
      return { type: 'put', prefix: r.prefix, key: r.key, object: parseObject(r.object) };
    case 'forget':
      checkPrefix(r.prefix);
      checkKey(r.key);
      if (!isVersionVector(r.clock)) throw new MalformedDataError('log record', 'bad clock');
      return { type: 'forget', prefix: r.prefix, key: r.key, clock: r.clock };
    case 'floor':
      if (typeof r.actor !== 'string' || !Number.isSafeInteger(r.counter)) {
        throw new MalformedDataError('log record', 'bad floor');
      }
      return { type: 'floor', actor: r.actor, counter: r.counter as number };
    default:
      throw new MalformedDataError('log record', `unknown type ${String(r.type)}`);
  }
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** An open log: appends with group commit, and compaction. */
export class MetadataLog {
  private readonly file: string;
  private readonly compactFile: string;
  private readonly fsync: boolean;
  private readonly compactMinBytes: number;
  private readonly compactRatio: number;
  private handle: FileHandle;
  private fileBytes: number;
  /** Encoded size of the newest record of each live key: what a compaction would write. */
  private readonly liveSizes = new Map<string, number>();
  private liveBytes = 0;
  private pending: Uint8Array[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private snapshot: (() => Iterable<LogRecord>) | undefined;
  private closed = false;
  private compactions = 0;

  private constructor(options: MetadataLogOptions, handle: FileHandle, fileBytes: number) {
    this.file = join(options.dir, LOG_FILE);
    this.compactFile = join(options.dir, COMPACT_FILE);
    this.fsync = options.fsync ?? true;
    this.compactMinBytes = options.compactMinBytes ?? 4 * 1024 * 1024;
    this.compactRatio = options.compactRatio ?? 2;
    this.handle = handle;
    this.fileBytes = fileBytes;
  }

  /**
   * Opens (creating if needed) the log in `options.dir` and reads it back, cutting off
   * a torn tail.
   *
   * @throws LogFormatError when the log was written by an incompatible version.
   */
  static async open(options: MetadataLogOptions): Promise<LoadedLog> {
    await mkdir(options.dir, { recursive: true });
    const file = join(options.dir, LOG_FILE);
    // A leftover compaction file means a crash before its rename: the log is intact.
    await rm(join(options.dir, COMPACT_FILE), { force: true });
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      bytes = new Uint8Array(0);
    }
    const { records, validBytes } = parseLog(bytes);
    const truncatedBytes = bytes.byteLength - validBytes;
    if (truncatedBytes > 0) await truncate(file, validBytes);
    const [first, ...rest] = records;
    if (first !== undefined) {
      if (first.type !== 'header' || first.format !== FORMAT) {
        throw new LogFormatError(file, 'no header');
      }
      if (first.version !== VERSION) throw new LogFormatError(file, `version ${first.version}`);
    }
    const handle = await open(file, 'a');
    const log = new MetadataLog(options, handle, validBytes);
    if (first === undefined) {
      const header = frameRecord({ type: 'header', format: FORMAT, version: VERSION });
      await handle.write(header);
      await log.sync(handle);
      log.fileBytes = header.byteLength;
    }
    for (const record of rest) log.account(record, frameRecord(record).byteLength);
    return { log, records: rest, truncatedBytes };
  }

  /** Where compaction reads the live state from (the replica, one `put` per key). */
  setSnapshotSource(source: () => Iterable<LogRecord>): void {
    this.snapshot = source;
  }

  /** Appends a record; resolves once it is on disk (see the fsync policy above). */
  append(record: LogRecord): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const frame = frameRecord(record);
    this.account(record, frame.byteLength);
    this.pending.push(frame);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return done;
  }

  /** Resolves once every record appended so far is on disk. */
  async flushed(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Size of the log file in bytes. */
  get size(): number {
    return this.fileBytes;
  }

  /** How many compactions ran since open. */
  get compactionCount(): number {
    return this.compactions;
  }

  /** Rewrites the log as one record per live key now, whatever its size. */
  async compact(): Promise<void> {
    await this.flushed();
    this.flushing = this.compactNow();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
    // Appends made during the compaction wait for the next flush.
    if (this.pending.length > 0) this.flushing ??= this.flushLoop();
    await this.flushed();
  }

  /** Flushes what is pending and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushed();
    this.closed = true;
    await this.handle.close();
  }

  private account(record: LogRecord, size: number): void {
    if (record.type === 'header' || record.type === 'floor') return;
    const id = `${prefixId(record.prefix)}\u0000${record.key}`;
    this.liveBytes -= this.liveSizes.get(id) ?? 0;
    if (record.type === 'put') {
      this.liveSizes.set(id, size);
      this.liveBytes += size;
    } else {
      this.liveSizes.delete(id);
    }
  }

  private async sync(handle: FileHandle): Promise<void> {
    if (this.fsync) await handle.datasync();
  }

  private async flushLoop(): Promise<void> {
    // Let every append of the current turn join the first batch.
    await Promise.resolve();
    while (this.pending.length > 0) {
      const frames = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        const batch = Buffer.concat(frames);
        await this.handle.write(batch);
        await this.sync(this.handle);
        this.fileBytes += batch.byteLength;
        for (const w of waiters) w.resolve();
      } catch (error) {
        // A partial write would sit in front of every later record and hide it on
        // load; cut it off so the log stays a clean sequence of whole records.
        await this.handle.truncate(this.fileBytes).catch(() => undefined);
        for (const w of waiters) w.reject(error);
      }
      if (this.shouldCompact()) {
        try {
          await this.compactNow();
        } catch {
          // The old log is still complete; compaction is retried after the next batch.
        }
      }
    }
    this.flushing = undefined;
  }

  private shouldCompact(): boolean {
    return (
      this.snapshot !== undefined &&
      this.fileBytes >= this.compactMinBytes &&
      this.fileBytes > this.compactRatio * (this.liveBytes + FRAME_HEADER * 8)
    );
  }

  private async compactNow(): Promise<void> {
    if (this.snapshot === undefined || this.closed) return;
    // Taken synchronously: every change in it has been appended (and so is either on
    // disk or in `pending`, which is written after the rename and replays on top).
    const frames: Uint8Array[] = [
      frameRecord({ type: 'header', format: FORMAT, version: VERSION }),
    ];
    this.liveSizes.clear();
    this.liveBytes = 0;
    for (const record of this.snapshot()) {
      const frame = frameRecord(record);
      this.account(record, frame.byteLength);
      frames.push(frame);
    }
    const bytes = Buffer.concat(frames);
    const tmp = await open(this.compactFile, 'w');
    try {
      await tmp.write(bytes);
      await this.sync(tmp);
    } finally {
      await tmp.close();
    }
    await rename(this.compactFile, this.file);
    await this.syncDir();
    const old = this.handle;
    this.handle = await open(this.file, 'a');
    this.fileBytes = bytes.byteLength;
    this.compactions++;
    await old.close();
  }

  private async syncDir(): Promise<void> {
    if (!this.fsync) return;
    const dir = await open(join(this.file, '..'), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
