/**
 * Regression tests for two ways a deleted value could come back (issue 14): an
 * exchange confirming a key that changed while its `sync` request was in flight, and
 * a merge into a collected key taking the incoming object as it is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answer,
  nextRequest,
  onResponse,
  startInitiator,
} from '../../../src/handlers/metadata/exchange.js';
import {
  applyWrite,
  liveValues,
  type MetadataObject,
  mergeObjects,
} from '../../../src/handlers/metadata/object.js';
import { ReplicaStore } from '../../../src/handlers/metadata/replica.js';
import { descends } from '../../../src/handlers/metadata/version-vector.js';
import { overTheWire } from './cluster-harness.js';

const shape = { segments: 1, groupSize: 1 };
const P = ['p', 's'] as const;

const put = (base: MetadataObject | undefined, actor: string, v: unknown) =>
  applyWrite(base, actor, { kind: 'value', value: v }, 1).object;
const del = (base: MetadataObject | undefined, actor: string) =>
  applyWrite(base, actor, { kind: 'tombstone' }, 2).object;

/**
 * Runs the exchange from `a` to `b` until `a` is about to hand the `sync` answer to
 * `onResponse`, calls `meanwhile` there, then finishes, applying confirmations to `a`.
 */
function exchangeWithChangeInFlight(a: ReplicaStore, b: ReplicaStore, meanwhile: () => void) {
  let state = startInitiator('a', 'b');
  for (;;) {
    const next = nextRequest(state, a);
    if (next === undefined) return;
    state = next.state;
    const answered = answer(b, overTheWire(next.request));
    if (next.request.type === 'sync') meanwhile();
    const step = onResponse(state, a, next.task, overTheWire(answered.response));
    state = step.state;
    for (const e of step.effects) {
      if (e.type === 'confirm') a.confirm(e.prefix, e.peer, e.scope);
      else for (const [k, o] of e.objects) a.merge(e.prefix, k, o, 0);
    }
  }
}

describe('an exchange confirms only what the peer judged', () => {
  it('does not confirm a key deleted here while its sync request was in flight', () => {
    const a = new ReplicaStore(shape);
    const b = new ReplicaStore(shape);
    const v = put(undefined, 'a', 'live');
    a.set(P, 'k', v, 0);
    b.set(P, 'k', v, 0);
    // Another key differs, so the exchange goes down to a sync of k's segment.
    a.set(P, 'other', put(undefined, 'a', 1), 0);
    exchangeWithChangeInFlight(a, b, () => a.set(P, 'k', del(v, 'a'), 0));
    expect(a.get(P, 'k')?.tombstone).toBe(true);
    expect(b.get(P, 'k')?.tombstone).toBe(false);
    expect([...(a.get(P, 'k')?.confirmedBy ?? [])]).toEqual([]);
    expect([...a.collectible(['a', 'b'], 'a', 10, 0)]).toEqual([]);
  });

  it('does not confirm a key first written here while its sync request was in flight', () => {
    const a = new ReplicaStore(shape);
    const b = new ReplicaStore(shape);
    a.set(P, 'other', put(undefined, 'a', 1), 0);
    exchangeWithChangeInFlight(a, b, () => a.set(P, 'new', del(put(undefined, 'a', 0), 'a'), 0));
    expect([...(a.get(P, 'new')?.confirmedBy ?? [])]).toEqual([]);
  });

  it('still confirms a tombstone both sides held unchanged through the sync', () => {
    const a = new ReplicaStore(shape);
    const b = new ReplicaStore(shape);
    const gone = del(put(undefined, 'a', 'x'), 'a');
    a.set(P, 'k', gone, 0);
    b.set(P, 'k', gone, 0);
    a.set(P, 'other', put(undefined, 'a', 1), 0);
    exchangeWithChangeInFlight(a, b, () => undefined);
    expect([...(a.get(P, 'k')?.confirmedBy ?? [])]).toEqual(['b']);
  });
});

describe('merging into a collected key', () => {
  // The example: incoming {A:1,B:1} with siblings (A,1) 'old' and (B,1) 'b'
  // over a collected tombstone {A:2}.
  const old = put(undefined, 'A', 'old');
  const fromB: MetadataObject = {
    clock: [
      ['A', 1],
      ['B', 1],
    ],
    siblings: [...old.siblings, { kind: 'value', dot: ['B', 1], timestamp: 1, value: 'b' }],
  };

  it('keeps the delete: a value it superseded does not come back', () => {
    const r = new ReplicaStore(shape);
    r.set(P, 'k', del(old, 'A'), 0);
    const collected = r.get(P, 'k')?.object.clock ?? [];
    r.forget(P, 'k', collected, 0);
    const outcome = r.merge(P, 'k', fromB, 1);
    expect(outcome.changed).toBe(true);
    expect(liveValues(r.get(P, 'k')?.object as MetadataObject)).toEqual(['b']);
    expect(descends(r.get(P, 'k')?.object.clock ?? [], collected)).toBe(true);
  });

  it('gives the same answer as merging into the tombstone before it was collected', () => {
    const kept = new ReplicaStore(shape);
    kept.set(P, 'k', del(old, 'A'), 0);
    kept.merge(P, 'k', fromB, 1);
    const collected = new ReplicaStore(shape);
    collected.set(P, 'k', del(old, 'A'), 0);
    collected.forget(P, 'k', collected.get(P, 'k')?.object.clock ?? [], 0);
    collected.merge(P, 'k', fromB, 1);
    expect(liveValues(collected.get(P, 'k')?.object as MetadataObject)).toEqual(
      liveValues(kept.get(P, 'k')?.object as MetadataObject),
    );
  });

  it('stays collected when everything incoming was superseded by the delete', () => {
    const r = new ReplicaStore(shape);
    r.set(P, 'k', del(old, 'A'), 0);
    r.forget(P, 'k', r.get(P, 'k')?.object.clock ?? [], 0);
    const stale: MetadataObject = {
      clock: [
        ['A', 1],
        ['C', 1],
      ],
      siblings: old.siblings,
    };
    expect(r.merge(P, 'k', stale, 1).changed).toBe(false);
    expect(r.get(P, 'k')).toBeUndefined();
    expect(r.merge(P, 'k', stale, 2).changed).toBe(false);
  });
});

describe('merging into a collected key, over random histories', () => {
  it('gives the live values merging into the uncollected tombstone would', () => {
    const step = fc.record({
      on: fc.integer({ min: 0, max: 1 }),
      actor: fc.constantFrom('A', 'B', 'C'),
      sync: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 12 }),
        fc.constantFrom('A', 'B'),
        (steps, deleter) => {
          const replicas: (MetadataObject | undefined)[] = [undefined, undefined];
          steps.forEach((s, i) => {
            const other = replicas[1 - s.on];
            const mine = replicas[s.on];
            const base =
              s.sync && other !== undefined && mine !== undefined
                ? mergeObjects(mine, other)
                : (mine ?? (s.sync ? other : undefined));
            replicas[s.on] = put(base, s.actor, `${s.actor}${i}`);
          });
          const [first, second] = replicas;
          if (first === undefined || second === undefined) return;
          const tombstone = del(first, deleter);
          const kept = new ReplicaStore(shape);
          kept.set(P, 'k', tombstone, 0);
          kept.merge(P, 'k', second, 1);
          const collected = new ReplicaStore(shape);
          collected.set(P, 'k', tombstone, 0);
          collected.forget(P, 'k', tombstone.clock, 0);
          collected.merge(P, 'k', second, 1);
          const live = (r: ReplicaStore) => {
            const o = r.get(P, 'k')?.object;
            return o === undefined ? [] : liveValues(o);
          };
          expect(live(collected)).toEqual(live(kept));
        },
      ),
    );
  });
});
