import { describe, expect, it } from 'vitest';
import type { PlumtreeOptions, PlumtreeState } from '../../src/broadcast/core/index.js';
import { getPeers, step } from '../../src/broadcast/core/index.js';
import { parseWireMessage, WireMessageError } from '../../src/broadcast/wire-schema.js';
import { announce, broadcastMsg, deliver, entry, H, makeState, sent } from './helpers.js';

// Node a, linked to b, c and d. Two trees are learned: x's (the oldest: b eager,
// c and d lazy), its latest payload 4 hops from x; and e's, copied from x's with d
// made eager, its latest payload 1 hop from e.
function twoTrees(newRootSeed: PlumtreeOptions['newRootSeed']): PlumtreeState {
  const s = makeState({ eagers: ['b', 'c'], lazys: ['d'], options: { newRootSeed } });
  deliver(s, broadcastMsg({ id: 'x1', root: 'x', from: 'b', round: 4 }), true);
  deliver(s, broadcastMsg({ id: 'x1', root: 'x', from: 'c', round: 4 }), false);
  deliver(s, broadcastMsg({ id: 'e1', root: 'e', from: 'd', round: 0 }), true);
  return s;
}

describe('the nearest new-root seed', () => {
  it('a first broadcast rides a copy of the tree whose root is fewest hops away', () => {
    const s = twoTrees('nearest');
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'a1', payload: 1 }, 0);
    expect(sent(effects, 'broadcast').map(([to]) => to)).toEqual(['b', 'd']);
    expect(getPeers(s, 'a').eagers).toEqual(['b', 'd']);
  });

  it('the broadcast names the tree it was copied from', () => {
    const s = twoTrees('nearest');
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'a1', payload: 1 }, 0);
    expect(sent(effects, 'broadcast').map(([, msg]) => msg.seed)).toEqual(['e', 'e']);
  });

  it('a node new to a root copies the tree its message names and passes the name on', () => {
    const s = twoTrees('nearest');
    const effects = deliver(s, broadcastMsg({ id: 'z1', root: 'z', from: 'b', seed: 'e' }), true);
    expect(sent(effects, 'broadcast').map(([to, msg]) => [to, msg.seed])).toEqual([['d', 'e']]);
    expect(getPeers(s, 'z')).toEqual({ eagers: ['b', 'd'], lazys: ['c'] });
  });

  it('a named tree not held here falls back to the oldest learned tree', () => {
    const s = twoTrees('nearest');
    deliver(s, broadcastMsg({ id: 'z1', root: 'z', from: 'b', seed: 'unknown' }), true);
    expect(getPeers(s, 'z')).toEqual({ eagers: ['b'], lazys: ['c', 'd'] });
  });

  it('with the learned seed a first broadcast rides the oldest tree and names none', () => {
    const s = twoTrees('learned');
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'a1', payload: 1 }, 0);
    expect(sent(effects, 'broadcast').map(([to, msg]) => [to, msg.seed])).toEqual([
      ['b', undefined],
    ]);
  });

  it('with the learned seed the name in a message is ignored', () => {
    const s = twoTrees('learned');
    deliver(s, broadcastMsg({ id: 'z1', root: 'z', from: 'b', seed: 'e' }), true);
    expect(getPeers(s, 'z')).toEqual({ eagers: ['b'], lazys: ['c', 'd'] });
  });
});

describe('the seed field on the wire', () => {
  const wire = {
    type: 'broadcast',
    id: 'm1',
    payload: 1,
    handler: H,
    round: 2,
    root: 'r',
    from: 'b',
  };

  it('is kept when it names a node', () => {
    expect(parseWireMessage({ ...wire, seed: 'e' })).toMatchObject({ seed: 'e' });
  });

  it('is absent from a message that has none', () => {
    expect('seed' in parseWireMessage(wire)).toBe(false);
  });

  it('is refused when it is not a name', () => {
    expect(() => parseWireMessage({ ...wire, seed: 3 })).toThrow(WireMessageError);
  });
});

describe('which learned tree the nearest seed picks', () => {
  it('counts the round the optimisation shortened, not the one the payload came with', () => {
    const s = makeState({ options: { newRootSeed: 'nearest', optimizationThreshold: 0 } });
    deliver(s, broadcastMsg({ id: 'x1', root: 'x', from: 'b', round: 4 }), true);
    deliver(s, broadcastMsg({ id: 'e1', root: 'e', from: 'd', round: 2 }), true);
    // x's latest message came 4 hops from x; c offers it at 1 and the tree swaps.
    announce(s, 'c', [entry({ id: 'x1', root: 'x', round: 1 })], true);
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'a1', payload: 1 }, 0);
    expect(new Set(sent(effects, 'broadcast').map(([, msg]) => msg.seed))).toEqual(new Set(['x']));
  });

  it('prefers a tree that was itself seeded to a nearer one that was not', () => {
    const s = twoTrees('nearest');
    deliver(s, broadcastMsg({ id: 'z1', root: 'z', from: 'b', round: 5, seed: 'e' }), true);
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'a1', payload: 1 }, 0);
    expect(new Set(sent(effects, 'broadcast').map(([, msg]) => msg.seed))).toEqual(new Set(['z']));
  });
});
