import { describe, expect, it } from 'vitest';
import { getPeers, type PlumtreeState, step } from '../../src/broadcast/core/index.js';
import { broadcastMsg, entry, makeState, ofType, sent } from './helpers.js';

/** Receives payload `id` of tree e from `from` at `at` and answers its merge with `isNew`. */
function payload(s: PlumtreeState, from: string, id: string, isNew: boolean, at: number) {
  const msg = broadcastMsg({ from, id, root: 'e', round: 1 });
  const [merge] = ofType(step(s, { type: 'receive', from, msg }, at), 'merge');
  if (merge === undefined) throw new Error('no merge asked for');
  return step(s, { type: 'mergeResult', token: merge.token, isNew }, at);
}

describe('one prune per link while it is on its way', () => {
  it('duplicates a peer pushed before reading our prune cost no further prune', () => {
    // c is a second eager parent; it falls behind and reads our prune late
    const s = makeState();
    payload(s, 'b', 'm1', true, 0);
    expect(sent(payload(s, 'c', 'm1', false, 1), 'prune').map(([to]) => to)).toEqual(['c']);
    payload(s, 'b', 'm2', true, 2);
    expect(sent(payload(s, 'c', 'm2', false, 3), 'prune')).toEqual([]);
    payload(s, 'b', 'm3', true, 4);
    expect(sent(payload(s, 'c', 'm3', false, 5), 'prune')).toEqual([]);
    expect(getPeers(s, 'e').lazys).toContain('c');
  });

  it('a duplicate from the same peer later than the window prunes again', () => {
    const s = makeState();
    payload(s, 'b', 'm1', true, 0);
    payload(s, 'c', 'm1', false, 1);
    payload(s, 'b', 'm2', true, 1000);
    expect(sent(payload(s, 'c', 'm2', false, 1001), 'prune').map(([to]) => to)).toEqual(['c']);
  });

  it('a graft to the pruned peer lets its next duplicate be pruned again', () => {
    // c announced m2 before our prune; we graft m2 from it, so it pushes to us again
    const s = makeState({ options: { maxGraftPostpone: 0 } });
    payload(s, 'b', 'm1', true, 0);
    const ihave = { type: 'i_have', entries: [entry({ id: 'm2' })], from: 'c' } as const;
    for (const a of ofType(step(s, { type: 'receive', from: 'c', msg: ihave }, 0), 'isStale'))
      step(s, { type: 'isStaleResult', token: a.token, stale: false }, 0);
    payload(s, 'c', 'm1', false, 1);
    const [missing] = [...s.missing.values()];
    if (missing === undefined) throw new Error('m2 should be missing');
    const checks = ofType(step(s, { type: 'timer', key: missing.timerKey }, 100), 'isStale');
    const grafts = checks.flatMap((c) =>
      sent(step(s, { type: 'isStaleResult', token: c.token, stale: false }, 100), 'graft'),
    );
    expect(grafts.map(([to]) => to)).toEqual(['c']);
    payload(s, 'b', 'm3', true, 101);
    expect(sent(payload(s, 'c', 'm3', false, 102), 'prune').map(([to]) => to)).toEqual(['c']);
  });

  it('a duplicate from another peer is pruned though one prune is on its way', () => {
    const s = makeState({ eagers: ['b', 'c', 'd'], lazys: [] });
    payload(s, 'b', 'm1', true, 0);
    payload(s, 'c', 'm1', false, 1);
    expect(sent(payload(s, 'd', 'm1', false, 2), 'prune').map(([to]) => to)).toEqual(['d']);
  });
});
