/**
 * The anti-entropy protocol, as pure steps. The initiator walks the hash trees top
 * down (roots of every prefix, then the groups of a differing prefix, then the
 * segments of differing groups, then the keys of differing segments), asking the peer
 * one bounded request at a time; the responder answers from its own tree. Each side
 * learns which hashes were equal, which is how tombstone collection learns that a peer
 * holds a tombstone. Every request carries the initiator's hashes so the responder
 * learns that too without another round trip.
 *
 * Both sides are functions of (view of the local replica, message) to (new state,
 * reply, effects); the store carries out the effects (merges are written to disk and
 * announced to subscribers), the driver does the calls and the timeouts.
 */
import {
  parseHashesResponse,
  parsePushedResponse,
  parseRequest,
  parseRootsResponse,
  parseSyncResponse,
} from './exchange-parsers.js';
import type { MetadataObject } from './object.js';
import type { FullPrefix, MetadataKey } from './prefix.js';
import type { ConfirmScope } from './replica.js';
import { descends, type VersionVector } from './version-vector.js';

/** A key this side has collected, with the clock of the tombstone it collected. */
export type ForgottenKey = [MetadataKey, VersionVector];

/** What the protocol reads of a replica. {@link ReplicaStore} is one. */
export interface ExchangeView {
  readonly shape: { readonly segments: number; readonly groupSize: number };
  prefixList(): FullPrefix[];
  rootHash(prefix: FullPrefix): string;
  groupHashes(prefix: FullPrefix): string[];
  segmentHashes(prefix: FullPrefix, segments: readonly number[]): string[];
  segmentEntries(prefix: FullPrefix, segments: readonly number[]): [MetadataKey, string][];
  get(
    prefix: FullPrefix,
    key: MetadataKey,
  ):
    | { readonly object: MetadataObject; readonly hash: string; readonly tombstone: boolean }
    | undefined;
  /** The clock of a collected tombstone this replica still remembers. */
  forgottenClock(prefix: FullPrefix, key: MetadataKey): VersionVector | undefined;
}

/** A request from the initiator; `from` is the initiator's node id. */
export type ExchangeRequest =
  | { readonly type: 'roots'; readonly from: string; readonly roots: [FullPrefix, string][] }
  | {
      readonly type: 'groups';
      readonly from: string;
      readonly prefix: FullPrefix;
      readonly hashes: string[];
    }
  | {
      readonly type: 'segments';
      readonly from: string;
      readonly prefix: FullPrefix;
      readonly segments: number[];
      readonly hashes: string[];
    }
  | {
      readonly type: 'sync';
      readonly from: string;
      readonly prefix: FullPrefix;
      readonly segments: number[];
      readonly entries: [MetadataKey, string][];
    }
  | {
      readonly type: 'push';
      readonly from: string;
      readonly prefix: FullPrefix;
      readonly objects: [MetadataKey, MetadataObject][];
      /** Keys the responder offered that the initiator has collected. */
      readonly forgotten: ForgottenKey[];
    };

/** The responder's answer to the request of the same `type` (`pushed` answers `push`). */
export type ExchangeResponse =
  | { readonly type: 'roots'; readonly roots: [FullPrefix, string][] }
  | { readonly type: 'groups'; readonly hashes: string[] }
  | { readonly type: 'segments'; readonly hashes: string[] }
  | {
      readonly type: 'sync';
      /** The responder's objects for keys where the two sides differ. */
      readonly objects: [MetadataKey, MetadataObject][];
      /** Keys the responder lacks or holds differently: the initiator pushes its copy. */
      readonly wanted: MetadataKey[];
      /** Keys the initiator listed that the responder has collected. */
      readonly forgotten: ForgottenKey[];
    }
  | { readonly type: 'pushed'; readonly merged: number };

/** What one side must do to its replica after a step. */
export type ExchangeEffect =
  | {
      readonly type: 'merge';
      readonly prefix: FullPrefix;
      readonly objects: readonly (readonly [MetadataKey, MetadataObject])[];
    }
  | {
      readonly type: 'confirm';
      readonly prefix: FullPrefix;
      readonly peer: string;
      readonly scope: ConfirmScope;
    };

/** One unit of the initiator's work; each becomes exactly one request. */
export type ExchangeTask =
  | { readonly kind: 'roots' }
  | { readonly kind: 'groups'; readonly prefix: FullPrefix }
  | { readonly kind: 'segments'; readonly prefix: FullPrefix; readonly segments: number[] }
  | {
      readonly kind: 'sync';
      readonly prefix: FullPrefix;
      readonly segments: number[];
      /**
       * The `[key, hash]` pairs the request carried, filled in when it is sent: the
       * responder judges against these, not against whatever the replica holds when
       * the answer comes back.
       */
      readonly sent?: readonly [MetadataKey, string][];
    }
  | {
      readonly kind: 'push';
      readonly prefix: FullPrefix;
      readonly keys: MetadataKey[];
      readonly forgotten: ForgottenKey[];
    };

/** Limits on one request. */
export interface ExchangeLimits {
  /** Segments whose keys are compared in one `sync` round. */
  readonly segmentsPerRound: number;
  /** Segment hashes asked for in one `segments` request. */
  readonly segmentHashesPerRequest: number;
}

/** Defaults: 64 segments of keys per round, 256 segment hashes per request. */
export const DEFAULT_EXCHANGE_LIMITS: ExchangeLimits = {
  segmentsPerRound: 64,
  segmentHashesPerRequest: 256,
};

/** Counters of one exchange, from the initiator's side. */
export interface ExchangeCounters {
  readonly requests: number;
  readonly prefixesDiffering: number;
  readonly segmentsDiffering: number;
  readonly objectsReceived: number;
  readonly objectsSent: number;
}

/** The initiator's state: tasks still to do (a stack, so one prefix is finished before the next). */
export interface InitiatorState {
  readonly peer: string;
  readonly self: string;
  readonly limits: ExchangeLimits;
  readonly tasks: readonly ExchangeTask[];
  readonly counters: ExchangeCounters;
}

/** A fresh exchange with `peer`. */
export function startInitiator(
  self: string,
  peer: string,
  limits: ExchangeLimits = DEFAULT_EXCHANGE_LIMITS,
): InitiatorState {
  return {
    peer,
    self,
    limits,
    tasks: [{ kind: 'roots' }],
    counters: {
      requests: 0,
      prefixesDiffering: 0,
      segmentsDiffering: 0,
      objectsReceived: 0,
      objectsSent: 0,
    },
  };
}

/**
 * The next request to send, built from the replica as it is now (so a push carries
 * objects merged a moment ago), or `undefined` when the exchange is over.
 */
export function nextRequest(
  state: InitiatorState,
  view: ExchangeView,
): { state: InitiatorState; task: ExchangeTask; request: ExchangeRequest } | undefined {
  const task = state.tasks[state.tasks.length - 1];
  if (task === undefined) return undefined;
  const rest = state.tasks.slice(0, -1);
  const from = state.self;
  let request: ExchangeRequest;
  let sentTask: ExchangeTask = task;
  let sent = 0;
  switch (task.kind) {
    case 'roots':
      request = {
        type: 'roots',
        from,
        roots: view.prefixList().map((p) => [p, view.rootHash(p)]),
      };
      break;
    case 'groups':
      request = {
        type: 'groups',
        from,
        prefix: task.prefix,
        hashes: view.groupHashes(task.prefix),
      };
      break;
    case 'segments':
      request = {
        type: 'segments',
        from,
        prefix: task.prefix,
        segments: task.segments,
        hashes: view.segmentHashes(task.prefix, task.segments),
      };
      break;
    case 'sync': {
      const entries = view.segmentEntries(task.prefix, task.segments);
      request = { type: 'sync', from, prefix: task.prefix, segments: task.segments, entries };
      sentTask = { ...task, sent: entries };
      break;
    }
    case 'push': {
      const objects: [MetadataKey, MetadataObject][] = [];
      for (const key of task.keys) {
        const entry = view.get(task.prefix, key);
        if (entry !== undefined) objects.push([key, entry.object]);
      }
      sent = objects.length;
      request = { type: 'push', from, prefix: task.prefix, objects, forgotten: task.forgotten };
      break;
    }
    default: {
      const unreachable: never = task;
      throw new Error(`unknown task ${String(unreachable)}`);
    }
  }
  const counters = {
    ...state.counters,
    requests: state.counters.requests + 1,
    objectsSent: state.counters.objectsSent + sent,
  };
  return { state: { ...state, tasks: rest, counters }, task: sentTask, request };
}

/** Keys whose local tombstone the peer's collected clock descends: the peer had it. */
function collectedBy(
  view: ExchangeView,
  prefix: FullPrefix,
  forgotten: readonly ForgottenKey[],
): MetadataKey[] {
  const out: MetadataKey[] = [];
  for (const [key, clock] of forgotten) {
    const entry = view.get(prefix, key);
    if (entry?.tombstone === true && descends(clock, entry.object.clock)) out.push(key);
  }
  return out;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function differingIndices(
  local: readonly string[],
  remote: readonly string[],
): { differ: number[]; equal: number[] } {
  const differ: number[] = [];
  const equal: number[] = [];
  for (let i = 0; i < local.length; i++) {
    if (local[i] === remote[i]) equal.push(i);
    else differ.push(i);
  }
  return { differ, equal };
}

/**
 * Folds the peer's response to `task` into the initiator's state: new tasks for what
 * differs, and effects (objects to merge, hashes found equal).
 *
 * @throws MalformedDataError when the response does not answer the task.
 */
export function onResponse(
  state: InitiatorState,
  view: ExchangeView,
  task: ExchangeTask,
  raw: unknown,
): { state: InitiatorState; effects: ExchangeEffect[] } {
  const effects: ExchangeEffect[] = [];
  const newTasks: ExchangeTask[] = [];
  const peer = state.peer;
  let counters = state.counters;
  switch (task.kind) {
    case 'roots': {
      const remote = parseRootsResponse(raw);
      const remoteRoots = new Map(remote.map(([p, h]) => [JSON.stringify(p), h]));
      const all = new Map<string, FullPrefix>();
      for (const p of view.prefixList()) all.set(JSON.stringify(p), p);
      for (const [p] of remote) all.set(JSON.stringify(p), p);
      for (const [id, prefix] of all) {
        const local = view.rootHash(prefix);
        const theirs = remoteRoots.get(id);
        if (theirs === local)
          effects.push({ type: 'confirm', prefix, peer, scope: { kind: 'prefix' } });
        else newTasks.push({ kind: 'groups', prefix });
      }
      counters = { ...counters, prefixesDiffering: counters.prefixesDiffering + newTasks.length };
      break;
    }
    case 'groups': {
      const hashes = parseHashesResponse(raw, 'groups', view.shape.segments / view.shape.groupSize);
      const { differ, equal } = differingIndices(view.groupHashes(task.prefix), hashes);
      if (equal.length > 0) {
        effects.push({
          type: 'confirm',
          prefix: task.prefix,
          peer,
          scope: { kind: 'groups', groups: equal },
        });
      }
      const segments = differ.flatMap((g) =>
        Array.from({ length: view.shape.groupSize }, (_, k) => g * view.shape.groupSize + k),
      );
      for (const part of chunk(segments, state.limits.segmentHashesPerRequest)) {
        newTasks.push({ kind: 'segments', prefix: task.prefix, segments: part });
      }
      break;
    }
    case 'segments': {
      const hashes = parseHashesResponse(raw, 'segments', task.segments.length);
      const local = view.segmentHashes(task.prefix, task.segments);
      const { differ, equal } = differingIndices(local, hashes);
      if (equal.length > 0) {
        effects.push({
          type: 'confirm',
          prefix: task.prefix,
          peer,
          scope: { kind: 'segments', segments: equal.map((i) => task.segments[i] as number) },
        });
      }
      const segments = differ.map((i) => task.segments[i] as number);
      counters = { ...counters, segmentsDiffering: counters.segmentsDiffering + segments.length };
      for (const part of chunk(segments, state.limits.segmentsPerRound)) {
        newTasks.push({ kind: 'sync', prefix: task.prefix, segments: part });
      }
      break;
    }
    case 'sync': {
      const response = parseSyncResponse(raw);
      const differing = new Set<MetadataKey>(response.wanted);
      for (const [key] of response.objects) differing.add(key);
      for (const [key] of response.forgotten) differing.add(key);
      // Equal means: the peer held what the request said was here, and it still is
      // here. A key written while the request was in flight was not judged by the
      // peer, so confirming it would let a tombstone be collected that the peer lacks.
      const equalKeys: MetadataKey[] = [];
      for (const [key, hash] of task.sent ?? []) {
        if (!differing.has(key) && view.get(task.prefix, key)?.hash === hash) equalKeys.push(key);
      }
      // A tombstone the peer has already collected counts as held there; anything
      // else it has collected is pushed as usual, and its merge decides.
      const collectedThere = collectedBy(view, task.prefix, response.forgotten);
      equalKeys.push(...collectedThere);
      const skip = new Set(collectedThere);
      const wanted = [
        ...response.wanted,
        ...response.forgotten.map(([key]) => key).filter((key) => !skip.has(key)),
      ];
      // Objects this side has collected are refused, and the peer is told why.
      const forgottenHere: ForgottenKey[] = [];
      const objects = response.objects.filter(([key, object]) => {
        if (view.get(task.prefix, key) !== undefined) return true;
        const gone = view.forgottenClock(task.prefix, key);
        if (gone === undefined || !descends(gone, object.clock)) return true;
        forgottenHere.push([key, gone]);
        return false;
      });
      if (objects.length > 0) effects.push({ type: 'merge', prefix: task.prefix, objects });
      if (equalKeys.length > 0) {
        effects.push({
          type: 'confirm',
          prefix: task.prefix,
          peer,
          scope: { kind: 'keys', keys: equalKeys },
        });
      }
      if (wanted.length > 0 || forgottenHere.length > 0) {
        newTasks.push({
          kind: 'push',
          prefix: task.prefix,
          keys: wanted,
          forgotten: forgottenHere,
        });
      }
      counters = { ...counters, objectsReceived: counters.objectsReceived + objects.length };
      break;
    }
    case 'push':
      parsePushedResponse(raw);
      break;
    default: {
      const unreachable: never = task;
      throw new Error(`unknown task ${String(unreachable)}`);
    }
  }
  // Reversed so the stack pops them in the order they were found.
  return { state: { ...state, tasks: [...state.tasks, ...newTasks.reverse()], counters }, effects };
}

/**
 * The responder's side: answers one request from its replica and says what to apply
 * (objects pushed to it, hashes found equal).
 *
 * @throws MalformedDataError for a request that is not one of {@link ExchangeRequest}.
 */
export function answer(
  view: ExchangeView,
  raw: unknown,
): { response: ExchangeResponse; effects: ExchangeEffect[] } {
  const request = parseRequest(raw, view.shape);
  const peer = request.from;
  const effects: ExchangeEffect[] = [];
  switch (request.type) {
    case 'roots': {
      const theirs = new Map(request.roots.map(([p, h]) => [JSON.stringify(p), h]));
      const roots: [FullPrefix, string][] = view.prefixList().map((p) => [p, view.rootHash(p)]);
      for (const [prefix, hash] of roots) {
        if (theirs.get(JSON.stringify(prefix)) === hash) {
          effects.push({ type: 'confirm', prefix, peer, scope: { kind: 'prefix' } });
        }
      }
      return { response: { type: 'roots', roots }, effects };
    }
    case 'groups': {
      const hashes = view.groupHashes(request.prefix);
      const { equal } = differingIndices(hashes, request.hashes);
      if (equal.length > 0) {
        effects.push({
          type: 'confirm',
          prefix: request.prefix,
          peer,
          scope: { kind: 'groups', groups: equal },
        });
      }
      return { response: { type: 'groups', hashes }, effects };
    }
    case 'segments': {
      const hashes = view.segmentHashes(request.prefix, request.segments);
      const { equal } = differingIndices(hashes, request.hashes);
      if (equal.length > 0) {
        const segments = equal.map((i) => request.segments[i] as number);
        effects.push({
          type: 'confirm',
          prefix: request.prefix,
          peer,
          scope: { kind: 'segments', segments },
        });
      }
      return { response: { type: 'segments', hashes }, effects };
    }
    case 'sync': {
      const mine = new Map(view.segmentEntries(request.prefix, request.segments));
      const theirs = new Map(request.entries);
      const objects: [MetadataKey, MetadataObject][] = [];
      const wanted: MetadataKey[] = [];
      const forgotten: ForgottenKey[] = [];
      const equalKeys: MetadataKey[] = [];
      for (const [key, hash] of mine) {
        const other = theirs.get(key);
        if (other === hash) {
          equalKeys.push(key);
          continue;
        }
        const entry = view.get(request.prefix, key);
        if (entry !== undefined) objects.push([key, entry.object]);
        if (other !== undefined) wanted.push(key);
      }
      for (const key of theirs.keys()) {
        if (mine.has(key)) continue;
        const gone = view.forgottenClock(request.prefix, key);
        if (gone !== undefined) forgotten.push([key, gone]);
        else wanted.push(key);
      }
      if (equalKeys.length > 0) {
        effects.push({
          type: 'confirm',
          prefix: request.prefix,
          peer,
          scope: { kind: 'keys', keys: equalKeys },
        });
      }
      return { response: { type: 'sync', objects, wanted, forgotten }, effects };
    }
    case 'push': {
      if (request.objects.length > 0) {
        effects.push({ type: 'merge', prefix: request.prefix, objects: request.objects });
      }
      const keys = collectedBy(view, request.prefix, request.forgotten);
      if (keys.length > 0) {
        effects.push({
          type: 'confirm',
          prefix: request.prefix,
          peer,
          scope: { kind: 'keys', keys },
        });
      }
      return { response: { type: 'pushed', merged: request.objects.length }, effects };
    }
    default: {
      const unreachable: never = request;
      throw new Error(`unknown request ${String(unreachable)}`);
    }
  }
}
