import { describe, expect, it } from 'vitest';
import { getPeers, type PlumtreeState, step } from '../../src/broadcast/core/index.js';
import { broadcastMsg, makeState, ofType, sent } from './helpers.js';

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

  it('a duplicate from another peer is pruned though one prune is on its way', () => {
    const s = makeState({ eagers: ['b', 'c', 'd'], lazys: [] });
    payload(s, 'b', 'm1', true, 0);
    payload(s, 'c', 'm1', false, 1);
    expect(sent(payload(s, 'd', 'm1', false, 2), 'prune').map(([to]) => to)).toEqual(['d']);
  });
});
