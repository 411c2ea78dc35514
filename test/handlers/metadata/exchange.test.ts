import { describe, expect, it } from 'vitest';
import {
  answer,
  type ExchangeRequest,
  nextRequest,
  onResponse,
  startInitiator,
} from '../../../src/handlers/metadata/exchange.js';
import { applyWrite, type MetadataObject } from '../../../src/handlers/metadata/object.js';
import { ReplicaStore } from '../../../src/handlers/metadata/replica.js';
import { overTheWire } from './cluster-harness.js';

const shape = { segments: 64, groupSize: 8 };
const P = ['p', 's'] as const;

function value(actor: string, v: unknown, base?: MetadataObject): MetadataObject {
  return applyWrite(base, actor, { kind: 'value', value: v }, 1).object;
}

/** Runs the pure protocol between two replicas, applying effects like the store does. */
function run(
  local: ReplicaStore,
  remote: ReplicaStore,
  limits = { segmentsPerRound: 4, segmentHashesPerRequest: 16 },
) {
  let state = startInitiator('L', 'R', limits);
  const requests: ExchangeRequest[] = [];
  for (;;) {
    const next = nextRequest(state, local);
    if (next === undefined) break;
    state = next.state;
    requests.push(next.request);
    const answered = answer(remote, overTheWire(next.request));
    for (const e of answered.effects) {
      if (e.type === 'merge') for (const [k, o] of e.objects) remote.merge(e.prefix, k, o, 0);
    }
    const step = onResponse(state, local, next.task, overTheWire(answered.response));
    state = step.state;
    for (const e of step.effects) {
      if (e.type === 'merge') for (const [k, o] of e.objects) local.merge(e.prefix, k, o, 0);
    }
  }
  return { requests, counters: state.counters };
}

describe('exchange protocol', () => {
  it('makes two replicas equal in both directions, bounded segments per round', () => {
    const local = new ReplicaStore(shape);
    const remote = new ReplicaStore(shape);
    for (let i = 0; i < 300; i++) {
      if (i % 3 !== 0) local.set(P, `k${i}`, value('L', i), 0);
      if (i % 3 !== 1) remote.set(P, `k${i}`, value('R', i), 0);
    }
    remote.set(['q', 'r'], 'only-remote', value('R', 'x'), 0);
    const { requests, counters } = run(local, remote);
    expect(local.rootHash(P)).toBe(remote.rootHash(P));
    expect(local.rootHash(['q', 'r'])).toBe(remote.rootHash(['q', 'r']));
    expect(local.size(P)).toBe(300);
    for (const r of requests) {
      if (r.type === 'sync') expect(r.segments.length).toBeLessThanOrEqual(4);
      if (r.type === 'segments') expect(r.segments.length).toBeLessThanOrEqual(16);
    }
    expect(counters.objectsReceived).toBeGreaterThan(0);
    expect(counters.objectsSent).toBeGreaterThan(0);
    // Keys both held concurrently now carry both siblings on both sides.
    expect(local.get(P, 'k2')?.object.siblings).toHaveLength(2);
    expect(run(local, remote).requests.map((r) => r.type)).toEqual(['roots']);
  });

  it('looks only at the segments that differ', () => {
    const local = new ReplicaStore(shape);
    const remote = new ReplicaStore(shape);
    for (let i = 0; i < 500; i++) {
      const o = value('L', i);
      local.set(P, `k${i}`, o, 0);
      remote.set(P, `k${i}`, o, 0);
    }
    local.set(P, 'k7', value('L', 'changed', local.get(P, 'k7')?.object), 0);
    const { requests, counters } = run(local, remote);
    expect(counters.segmentsDiffering).toBe(1);
    const syncs = requests.filter((r) => r.type === 'sync');
    expect(syncs).toHaveLength(1);
    expect(remote.get(P, 'k7')?.object.siblings[0]).toMatchObject({ value: 'changed' });
  });

  it('confirms tombstones on both sides when hashes are equal', () => {
    const local = new ReplicaStore(shape);
    const remote = new ReplicaStore(shape);
    const gone = applyWrite(value('L', 1), 'L', { kind: 'tombstone' }, 2).object;
    local.set(P, 'dead', gone, 0);
    remote.set(P, 'dead', gone, 0);
    const request = nextRequest(startInitiator('L', 'R'), local);
    const answered = answer(remote, request?.request);
    expect(answered.effects).toEqual([
      { type: 'confirm', prefix: P, peer: 'L', scope: { kind: 'prefix' } },
    ]);
  });

  it('refuses malformed requests and responses', () => {
    const store = new ReplicaStore(shape);
    expect(() => answer(store, { type: 'groups', from: 'x', prefix: P, hashes: ['a'] })).toThrow(
      expect.objectContaining({ name: 'MalformedDataError' }),
    );
    expect(() =>
      answer(store, { type: 'sync', from: 'x', prefix: P, segments: [9999], entries: [] }),
    ).toThrow(/segment out of range/);
    const next = nextRequest(startInitiator('L', 'R'), store);
    if (next === undefined) throw new Error('no request');
    expect(() => onResponse(next.state, store, next.task, { type: 'groups', hashes: [] })).toThrow(
      /expected roots/,
    );
  });
});
