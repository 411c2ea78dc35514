import {
  type Announcement,
  type BroadcastMessage,
  createPlumtreeState,
  type NodeName,
  type Outstanding,
  type PlumtreeEffect,
  type PlumtreeOptions,
  type PlumtreeState,
  step,
  type WireMessage,
} from '../../src/broadcast/core/index.js';
import { seededRng } from '../../src/util/rng.js';

export const H = 'kv';

export interface StateSpec {
  node?: NodeName;
  members?: NodeName[];
  eagers?: NodeName[];
  lazys?: NodeName[];
  handlers?: string[];
  options?: Partial<PlumtreeOptions>;
  seed?: number;
  outstanding?: Outstanding;
}

/**
 * A state for node `a` among a..e with explicit common sets (eager b, c; lazy d)
 * unless told otherwise, and every improvement at its default.
 */
export function makeState(spec: StateSpec = {}): PlumtreeState {
  const eagers = spec.eagers ?? ['b', 'c'];
  const lazys = spec.lazys ?? ['d'];
  return createPlumtreeState({
    node: spec.node ?? 'a',
    members: spec.members ?? ['a', 'b', 'c', 'd', 'e'],
    handlers: spec.handlers ?? [H],
    rng: seededRng(spec.seed ?? 1),
    eagers,
    lazys,
    ...(spec.options === undefined ? {} : { options: spec.options }),
    ...(spec.outstanding === undefined ? {} : { outstanding: spec.outstanding }),
  });
}

export function ofType<T extends PlumtreeEffect['type']>(
  effects: readonly PlumtreeEffect[],
  type: T,
): Extract<PlumtreeEffect, { type: T }>[] {
  return effects.filter((e): e is Extract<PlumtreeEffect, { type: T }> => e.type === type);
}

/** The messages sent, as `[to, msg]`, optionally of one wire type only. */
export function sent<T extends WireMessage['type']>(
  effects: readonly PlumtreeEffect[],
  type: T,
): [NodeName, Extract<WireMessage, { type: T }>][] {
  return ofType(effects, 'send')
    .filter((e) => e.msg.type === type)
    .map((e) => [e.to, e.msg as Extract<WireMessage, { type: T }>]);
}

export function broadcastMsg(fields: Partial<BroadcastMessage> = {}): BroadcastMessage {
  return {
    type: 'broadcast',
    id: 'm1',
    payload: 'p1',
    handler: H,
    round: 0,
    root: 'e',
    from: 'b',
    ...fields,
  };
}

export function entry(fields: Partial<Announcement> = {}): Announcement {
  return { id: 'm1', handler: H, round: 1, root: 'e', ...fields };
}

/** Receives `msg` from its sender and answers the merge effect with `isNew`. */
export function deliver(
  state: PlumtreeState,
  msg: BroadcastMessage,
  isNew: boolean,
): PlumtreeEffect[] {
  const [merge] = ofType(step(state, { type: 'receive', from: msg.from, msg }, 0), 'merge');
  if (merge === undefined) throw new Error('no merge asked for');
  return step(state, { type: 'mergeResult', token: merge.token, isNew }, 0);
}

/** Receives an `i_have` of `entries` from `from` and answers each isStale with `stale`. */
export function announce(
  state: PlumtreeState,
  from: NodeName,
  entries: Announcement[],
  stale: boolean,
  now = 0,
): PlumtreeEffect[] {
  const asks = ofType(
    step(state, { type: 'receive', from, msg: { type: 'i_have', entries, from } }, now),
    'isStale',
  );
  return asks.flatMap((ask) =>
    step(state, { type: 'isStaleResult', token: ask.token, stale }, now),
  );
}

export function sorted(xs: Iterable<string>): string[] {
  return [...xs].sort();
}
