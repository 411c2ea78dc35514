import { describe, expect, it } from 'vitest';
import { getPeers, step } from '../../src/broadcast/core/index.js';
import { broadcastMsg, deliver, H, makeState, sent } from './helpers.js';

describe('sets of a root seen for the first time', () => {
  it('with the learned seed copy the eager set of the oldest learned tree, other links lazy', () => {
    const s = makeState({ eagers: ['b', 'c'], lazys: ['d'] });
    // Tree of e: b stays eager, c was pruned, e became eager.
    deliver(s, broadcastMsg({ root: 'e', from: 'c' }), false);
    deliver(s, broadcastMsg({ id: 'm2', root: 'e', from: 'e' }), true);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['b', 'e'], lazys: ['c', 'd'] });
    expect(getPeers(s, 'b')).toEqual({ eagers: ['b', 'e'], lazys: ['c', 'd'] });
  });

  it('with the learned seed, the first broadcast of a new root rides the learned tree', () => {
    const s = makeState({ eagers: ['b', 'c'], lazys: ['d'] });
    deliver(s, broadcastMsg({ root: 'e', from: 'c' }), false);
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    expect(sent(effects, 'broadcast').map(([to]) => to)).toEqual(['b']);
  });

  it('with the common seed start from the common sets, as the reference', () => {
    const s = makeState({ eagers: ['b', 'c'], lazys: ['d'], options: { newRootSeed: 'common' } });
    deliver(s, broadcastMsg({ root: 'e', from: 'c' }), false);
    expect(getPeers(s, 'b')).toEqual({ eagers: ['b', 'c'], lazys: ['d'] });
  });

  it('keep every link of the common sets, eager or lazy', () => {
    const s = makeState({ eagers: ['b'], lazys: ['c', 'd'] });
    deliver(s, broadcastMsg({ root: 'e', from: 'b' }), false);
    const { eagers, lazys } = getPeers(s, 'c');
    expect([...eagers, ...lazys].sort()).toEqual(['b', 'c', 'd']);
  });
});
