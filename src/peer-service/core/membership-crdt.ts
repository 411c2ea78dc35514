import { createHash } from 'node:crypto';
import { MembershipDecodeError } from './errors.js';
import { canonicalSpec, type NodeSpec } from './node-spec.js';

/**
 * One member's acknowledgement of a tombstone: "I, in my life `epoch`/`incarnation`,
 * hold this tombstone, and my live membership hashes to `view`". Only the acker
 * writes its own register; `version` orders its successive writes.
 */
export interface TombstoneAck {
  readonly epoch: number;
  readonly incarnation: number;
  readonly version: number;
  readonly view: string;
}

/**
 * A node that is a member. `epoch` counts its memberships (it grows when a node
 * comes back after a removal); `incarnation` orders its specs within one epoch
 * (restarts, spec changes, refutations).
 */
export interface AliveEntry {
  readonly kind: 'alive';
  readonly epoch: number;
  readonly incarnation: number;
  readonly spec: NodeSpec;
  /** Canonical form of `spec`, cached: it breaks ties and detects spec changes. */
  readonly specKey: string;
}

/**
 * A removal: every life of this name with epoch <= `epoch` is dead, whatever its
 * incarnation, so a removed node that restarts with its old data stays removed. The
 * spec is dropped at removal; `incarnation` is the removed one, kept for
 * diagnostics; `acks` decide when the tombstone itself may be collected (see
 * docs/membership.md).
 */
export interface RemovedEntry {
  readonly kind: 'removed';
  readonly epoch: number;
  readonly incarnation: number;
  readonly acks: Map<string, TombstoneAck>;
}

/** What the lattice holds for one name. */
export type MembershipEntry = AliveEntry | RemovedEntry;

/**
 * The membership lattice: per name, the greatest entry seen, where entries are
 * ordered by epoch, then removed above alive, then incarnation, then (only
 * reachable with conflicting inputs) by canonical spec. Two tombstones of one epoch
 * and incarnation join by joining their acks. This per-key join is what makes {@link mergeInto} commutative,
 * associative and idempotent.
 */
export interface MembershipCrdt {
  readonly entries: Map<string, MembershipEntry>;
}

/** Wire and disk form of a tombstone acknowledgement. */
export interface TombstoneAckData {
  readonly node: string;
  readonly epoch: number;
  readonly incarnation: number;
  readonly version: number;
  readonly view: string;
}

/** Wire and disk form of one entry. */
export type MembershipEntryData =
  | {
      readonly name: string;
      readonly status: 'alive';
      readonly epoch: number;
      readonly incarnation: number;
      readonly spec: NodeSpec;
    }
  | {
      readonly name: string;
      readonly status: 'removed';
      readonly epoch: number;
      readonly incarnation: number;
      readonly acks: readonly TombstoneAckData[];
    };

/**
 * Plain, JSON-able (and msgpack-able) form of a {@link MembershipCrdt}. Entries are
 * sorted by name and acks by node, so equal states serialise identically.
 */
export interface MembershipStateData {
  readonly version: 1;
  readonly entries: readonly MembershipEntryData[];
}

/** An empty lattice (the bottom element). */
export function emptyCrdt(): MembershipCrdt {
  return { entries: new Map() };
}

/** An alive entry for `spec` in the given life. */
export function aliveEntry(spec: NodeSpec, epoch: number, incarnation: number): AliveEntry {
  return { kind: 'alive', epoch, incarnation, spec, specKey: canonicalSpec(spec) };
}

/** A tombstone for the given life, with no acknowledgements yet. */
export function removedEntry(epoch: number, incarnation: number): RemovedEntry {
  return { kind: 'removed', epoch, incarnation, acks: new Map() };
}

/** A deep copy: tombstone ack maps are mutable, alive entries are shared. */
export function cloneCrdt(crdt: MembershipCrdt): MembershipCrdt {
  const entries = new Map<string, MembershipEntry>();
  for (const [name, entry] of crdt.entries) entries.set(name, copyEntry(entry));
  return { entries };
}

function copyEntry(entry: MembershipEntry): MembershipEntry {
  return entry.kind === 'alive'
    ? entry
    : {
        kind: 'removed',
        epoch: entry.epoch,
        incarnation: entry.incarnation,
        acks: new Map(entry.acks),
      };
}

function compareAck(a: TombstoneAck, b: TombstoneAck): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (a.incarnation !== b.incarnation) return a.incarnation < b.incarnation ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (a.view !== b.view) return a.view < b.view ? -1 : 1;
  return 0;
}

/**
 * Total preorder on entries ignoring acks: negative when `a` is below `b`. Tombstones
 * of equal epoch and incarnation compare equal here and are joined by their acks.
 */
export function compareEntries(a: MembershipEntry, b: MembershipEntry): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'alive' ? -1 : 1;
  if (a.incarnation !== b.incarnation) return a.incarnation < b.incarnation ? -1 : 1;
  if (a.kind === 'alive' && b.kind === 'alive' && a.specKey !== b.specKey) {
    return a.specKey < b.specKey ? -1 : 1;
  }
  return 0;
}

/**
 * Joins `source` into `target` in place and reports whether `target` changed.
 * `source` is not modified and shares no mutable structure with `target` afterwards.
 */
export function mergeInto(target: MembershipCrdt, source: MembershipCrdt): boolean {
  const { entries, acks } = mergeIntoTelling(target, source);
  return entries || acks;
}

/** What a merge changed: some entry (a life or a spec), or only tombstone acks. */
export interface MergeChanges {
  /** Some name got a new entry: membership moved. */
  readonly entries: boolean;
  /** Only acknowledgements of tombstones grew (no membership change by themselves). */
  readonly acks: boolean;
}

/**
 * True when `b` holds, for every name in `a`, an entry at least as high (tombstone
 * acks ignored): `a` has no membership news for `b`.
 */
export function entriesLeq(a: MembershipCrdt, b: MembershipCrdt): boolean {
  for (const [name, mine] of a.entries) {
    const theirs = b.entries.get(name);
    if (theirs === undefined || compareEntries(mine, theirs) > 0) return false;
  }
  return true;
}

/** {@link mergeInto}, telling membership changes apart from ack-only ones. */
export function mergeIntoTelling(target: MembershipCrdt, source: MembershipCrdt): MergeChanges {
  let entries = false;
  let acks = false;
  for (const [name, theirs] of source.entries) {
    const before = target.entries.get(name);
    if (!mergeEntryInto(target, name, theirs)) continue;
    // The same tombstone with more acks keeps its object; anything else replaces it.
    if (before !== undefined && target.entries.get(name) === before) acks = true;
    else entries = true;
  }
  return { entries, acks };
}

/** Joins one entry into `target` in place; true when `target` changed. */
export function mergeEntryInto(
  target: MembershipCrdt,
  name: string,
  theirs: MembershipEntry,
): boolean {
  const mine = target.entries.get(name);
  if (mine === undefined) {
    target.entries.set(name, copyEntry(theirs));
    return true;
  }
  const order = compareEntries(mine, theirs);
  if (order < 0) {
    target.entries.set(name, copyEntry(theirs));
    return true;
  }
  if (order > 0 || mine.kind === 'alive' || theirs.kind === 'alive') return false;
  let changed = false;
  for (const [node, ack] of theirs.acks) {
    const current = mine.acks.get(node);
    if (current === undefined || compareAck(current, ack) < 0) {
      mine.acks.set(node, ack);
      changed = true;
    }
  }
  return changed;
}

/** True when `a` is below or equal to `b` in the lattice (merging `a` into `b` is a no-op). */
export function leq(a: MembershipCrdt, b: MembershipCrdt): boolean {
  for (const [name, mine] of a.entries) {
    const theirs = b.entries.get(name);
    if (theirs === undefined) return false;
    const order = compareEntries(mine, theirs);
    if (order > 0) return false;
    if (order < 0 || mine.kind === 'alive' || theirs.kind === 'alive') continue;
    for (const [node, ack] of mine.acks) {
      const other = theirs.acks.get(node);
      if (other === undefined || compareAck(ack, other) > 0) return false;
    }
  }
  return true;
}

/** Lattice equality. */
export function crdtEquals(a: MembershipCrdt, b: MembershipCrdt): boolean {
  return a.entries.size === b.entries.size && leq(a, b) && leq(b, a);
}

/** Names of live members, sorted. */
export function liveNames(crdt: MembershipCrdt): string[] {
  const names: string[] = [];
  for (const [name, entry] of crdt.entries) if (entry.kind === 'alive') names.push(name);
  return names.sort();
}

/**
 * A digest of the live membership (names with lives). Acks carry it so that a
 * tombstone is collected only once every member holds it *and* all agree on who the
 * members are; SHA-256 makes an accidental match of different memberships negligible.
 */
export function liveViewDigest(crdt: MembershipCrdt): string {
  const hash = createHash('sha256');
  for (const name of liveNames(crdt)) {
    const entry = crdt.entries.get(name) as AliveEntry;
    hash.update(`${name}\u0000${entry.epoch}\u0000${entry.incarnation}\n`);
  }
  return hash.digest('base64');
}

/** Serialises to plain data; equal states give deep-equal data. */
export function toData(crdt: MembershipCrdt): MembershipStateData {
  const names = [...crdt.entries.keys()].sort();
  const entries: MembershipEntryData[] = names.map((name) => {
    const entry = crdt.entries.get(name) as MembershipEntry;
    if (entry.kind === 'alive') {
      const { epoch, incarnation, spec } = entry;
      return { name, status: 'alive', epoch, incarnation, spec };
    }
    const acks = [...entry.acks.keys()].sort().map((node) => {
      const ack = entry.acks.get(node) as TombstoneAck;
      const { epoch, incarnation, version, view } = ack;
      return { node, epoch, incarnation, version, view };
    });
    return { name, status: 'removed', epoch: entry.epoch, incarnation: entry.incarnation, acks };
  });
  return { version: 1, entries };
}

/**
 * Parses untrusted plain data (decoded from disk or from a peer) into a lattice.
 * Duplicate names are joined rather than rejected, since joining is always safe.
 *
 * @throws {MembershipDecodeError} when the shape is wrong.
 */
export function fromData(data: unknown): MembershipCrdt {
  const root = asRecord(data, 'state');
  if (root.version !== 1) throw new MembershipDecodeError('unsupported version');
  if (!Array.isArray(root.entries)) throw new MembershipDecodeError('entries is not an array');
  const crdt = emptyCrdt();
  for (const raw of root.entries) {
    const item = asRecord(raw, 'entry');
    const name = asString(item.name, 'entry name');
    const epoch = asCount(item.epoch, 'epoch');
    const incarnation = asCount(item.incarnation, 'incarnation');
    let entry: MembershipEntry;
    switch (item.status) {
      case 'alive': {
        const spec = decodeSpec(item.spec);
        if (spec.name !== name) throw new MembershipDecodeError(`spec name differs from ${name}`);
        entry = aliveEntry(spec, epoch, incarnation);
        break;
      }
      case 'removed': {
        if (!Array.isArray(item.acks)) throw new MembershipDecodeError('acks is not an array');
        const removed = removedEntry(epoch, incarnation);
        for (const rawAck of item.acks) {
          const ack = asRecord(rawAck, 'ack');
          const value: TombstoneAck = {
            epoch: asCount(ack.epoch, 'ack epoch'),
            incarnation: asCount(ack.incarnation, 'ack incarnation'),
            version: asCount(ack.version, 'ack version'),
            view: asString(ack.view, 'ack view'),
          };
          const node = asString(ack.node, 'ack node');
          const current = removed.acks.get(node);
          if (current === undefined || compareAck(current, value) < 0)
            removed.acks.set(node, value);
        }
        entry = removed;
        break;
      }
      default:
        throw new MembershipDecodeError(`unknown status for ${name}`);
    }
    mergeEntryInto(crdt, name, entry);
  }
  return crdt;
}

/**
 * Structural check of a spec, rebuilt field by field so that no extra or inherited
 * property of untrusted input survives. Deeper policy checks live with the channels.
 */
function decodeSpec(raw: unknown): NodeSpec {
  const spec = asRecord(raw, 'spec');
  const name = asString(spec.name, 'spec name');
  if (!Array.isArray(spec.listenAddrs)) throw new MembershipDecodeError('listenAddrs');
  const listenAddrs = spec.listenAddrs.map((a: unknown) => {
    const addr = asRecord(a, 'listen address');
    return { host: asString(addr.host, 'host'), port: asCount(addr.port, 'port') };
  });
  const rawChannels = asRecord(spec.channels, 'channels');
  const channels = Object.fromEntries(
    Object.keys(rawChannels).map((key) => {
      const ch = asRecord(rawChannels[key], 'channel');
      if (typeof ch.monotonic !== 'boolean') throw new MembershipDecodeError('monotonic');
      return [
        key,
        { parallelism: asCount(ch.parallelism, 'parallelism'), monotonic: ch.monotonic },
      ];
    }),
  );
  return { name, listenAddrs, channels };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MembershipDecodeError(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new MembershipDecodeError(`${what} is not a string`);
  return value;
}

function asCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MembershipDecodeError(`${what} is not a non-negative integer`);
  }
  return value;
}
