import { describe, expect, it } from 'vitest';
import {
  getPeers,
  type PlumtreeEffect,
  type PlumtreeState,
  step,
  type TimerKey,
} from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, H, makeState, ofType, sent } from './helpers.js';

/** Fires the graft timer armed in `effects` at `now` and answers its isStale check with `stale`. */
function fireGraftTimer(
  state: PlumtreeState,
  effects: readonly PlumtreeEffect[],
  now: number,
  stale: boolean,
): PlumtreeEffect[] {
  const armed = ofType(effects, 'setTimer').find((t) => t.key.type === 'graft');
  if (armed === undefined) throw new Error('no graft timer armed');
  const key: TimerKey = armed.key;
  const fired = step(state, { type: 'timer', key }, now);
  const checks = ofType(fired, 'isStale');
  return [
    ...fired,
    ...checks.flatMap((c) => step(state, { type: 'isStaleResult', token: c.token, stale }, now)),
  ];
}

describe('a duplicate over what is left of the tree is kept, not pruned', () => {
  it('a copy duplicated by the network on the link of the first copy prunes nothing', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b' }), true);
    const effects = deliver(s, broadcastMsg({ from: 'b' }), false);
    expect(sent(effects, 'prune')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('b');
  });

  it('after the first copy’s sender pruned this node, the next copy’s sender stays eager', () => {
    // The prune crossed b's payload: b no longer pushes here, c's link is what is left.
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b' }), true);
    step(s, { type: 'receive', from: 'b', msg: { type: 'prune', root: 'e', from: 'b' } }, 0);
    const effects = deliver(s, broadcastMsg({ from: 'c' }), false);
    expect(sent(effects, 'prune')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('c');
  });

  it('a third copy after the kept one prunes its sender as usual', () => {
    const s = makeState({ eagers: ['b', 'c', 'd'], lazys: [] });
    deliver(s, broadcastMsg({ from: 'b' }), true);
    step(s, { type: 'receive', from: 'b', msg: { type: 'prune', root: 'e', from: 'b' } }, 0);
    deliver(s, broadcastMsg({ from: 'c' }), false);
    const effects = deliver(s, broadcastMsg({ from: 'd' }), false);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['d']);
  });

  it('while the first copy’s sender is still eager, a duplicate prunes its sender', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b' }), true);
    const effects = deliver(s, broadcastMsg({ from: 'c' }), false);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['c']);
  });

  it('a copy from the tree’s parent of a message an exchange brought first stays eager', () => {
    // b pushed m0 (b is the parent in e's tree); m1 came by exchange, b's copy follows.
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm0', from: 'b' }), true);
    const effects = deliver(s, broadcastMsg({ id: 'm1', from: 'b' }), false);
    expect(sent(effects, 'prune')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('b');
  });

  it('a copy from a peer other than the parent of a message an exchange brought first prunes', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm0', from: 'b' }), true);
    const effects = deliver(s, broadcastMsg({ id: 'm1', from: 'c' }), false);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['c']);
  });

  it('a copy of an older message from the tree’s parent (a new parent’s catch-up) stays eager', () => {
    // b fed m1; after a repair c is the parent (it pushed m2) and catches up with m1.
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b' }), true);
    deliver(s, broadcastMsg({ id: 'm2', from: 'c' }), true);
    const effects = deliver(s, broadcastMsg({ from: 'c' }), false);
    expect(sent(effects, 'prune')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('c');
  });

  it('a duplicate from a peer that fed the tree before, but not its latest payload, prunes as usual', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm2', from: 'c' }), true);
    deliver(s, broadcastMsg({ from: 'b' }), true);
    expect(sent(deliver(s, broadcastMsg({ from: 'c' }), false), 'prune')).toEqual([
      ['c', { type: 'prune', root: 'e', from: 'a' }],
    ]);
  });

  it('a node’s own broadcast coming back prunes its sender', () => {
    const s = makeState();
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 'px' }, 0);
    const effects = deliver(s, broadcastMsg({ id: 'x', root: 'a', from: 'b' }), false);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['b']);
  });
});

describe('a node holding a tree’s messages only through exchanges re-attaches to the tree', () => {
  it('a stale announcement never followed by an eager copy makes the announcer eager by a link-only graft', () => {
    const s = makeState();
    const announced = announce(s, 'd', [entry({ round: 2 })], true);
    const effects = fireGraftTimer(s, announced, 500, true);
    expect(sent(effects, 'graft')).toEqual([
      [
        'd',
        { type: 'graft', id: 'm1', handler: H, round: 2, root: 'e', from: 'a', linkOnly: true },
      ],
    ]);
    expect(getPeers(s, 'e').eagers).toContain('d');
  });

  it('no graft when the eager copy arrives before the timer', () => {
    const s = makeState();
    const announced = announce(s, 'd', [entry()], true);
    deliver(s, broadcastMsg({ from: 'b' }), false);
    const timers = ofType(announced, 'setTimer').filter((t) => t.key.type === 'graft');
    const effects = timers.flatMap((t) => step(s, { type: 'timer', key: t.key }, 500));
    expect(sent(effects, 'graft')).toEqual([]);
  });

  it('no graft when another payload of the tree came through the tree since the announcement', () => {
    const s = makeState();
    const announced = announce(s, 'd', [entry()], true);
    const [merge] = ofType(
      step(s, { type: 'receive', from: 'b', msg: broadcastMsg({ id: 'm2', from: 'b' }) }, 100),
      'merge',
    );
    if (merge === undefined) throw new Error('no merge');
    step(s, { type: 'mergeResult', token: merge.token, isNew: true }, 100);
    const effects = fireGraftTimer(s, announced, 500, true);
    expect(sent(effects, 'graft')).toEqual([]);
  });

  it('one link-only graft per tree while its window lasts', () => {
    const s = makeState();
    const first = announce(s, 'd', [entry({ id: 'm1' })], true);
    const effects = fireGraftTimer(s, first, 500, true);
    expect(sent(effects, 'graft').map(([to]) => to)).toEqual(['d']);
    // within the window nothing more is judged, so nothing is armed for the tree
    const second = announce(s, 'c', [entry({ id: 'm2' })], true, 600);
    expect(ofType(second, 'setTimer').filter((t) => t.key.type === 'graft')).toEqual([]);
  });

  it('judges a tree by one held message at a time: a burst of stale announcements arms one timer', () => {
    const s = makeState();
    const ids = Array.from({ length: 50 }, (_, i) => entry({ id: `m${i}` }));
    const effects = announce(s, 'd', ids, true);
    expect(ofType(effects, 'setTimer').filter((t) => t.key.type === 'graft')).toHaveLength(1);
    expect(sent(fireGraftTimer(s, effects, 500, true), 'graft').map(([to]) => to)).toEqual(['d']);
  });

  it('with delayed grafts off (the reference), a stale announcement arms nothing', () => {
    const s = makeState({ options: { delayedGraft: false } });
    const effects = announce(s, 'd', [entry()], true);
    expect(ofType(effects, 'setTimer').filter((t) => t.key.type === 'graft')).toEqual([]);
  });
});

describe('a payload that crossed this node’s prune re-links its sender', () => {
  it('a new payload from a peer this node pruned in that tree is answered by a link-only graft', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm1', from: 'b' }), true);
    deliver(s, broadcastMsg({ id: 'm1', from: 'c' }), false);
    // c pushed m2 before our prune reached it: it is dropping us as we make it eager.
    const effects = deliver(s, broadcastMsg({ id: 'm2', round: 3, from: 'c' }), true);
    expect(sent(effects, 'graft')).toEqual([
      [
        'c',
        { type: 'graft', id: 'm2', handler: H, round: 3, root: 'e', from: 'a', linkOnly: true },
      ],
    ]);
    expect(getPeers(s, 'e').eagers).toContain('c');
  });

  it('a new payload from a peer never pruned sends no graft', () => {
    const s = makeState();
    const effects = deliver(s, broadcastMsg({ from: 'c' }), true);
    expect(sent(effects, 'graft')).toEqual([]);
  });

  it('a payload from a peer pruned longer ago than graftTimeout1 did not cross the prune: no graft', () => {
    // It made this node eager again itself (a reseeded tree): grafting back each time thrashes.
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm1', from: 'b' }), true);
    deliver(s, broadcastMsg({ id: 'm1', from: 'c' }), false);
    const msg = broadcastMsg({ id: 'm2', from: 'c' });
    const [merge] = ofType(step(s, { type: 'receive', from: 'c', msg }, 501), 'merge');
    if (merge === undefined) throw new Error('no merge');
    const effects = step(s, { type: 'mergeResult', token: merge.token, isNew: true }, 501);
    expect(sent(effects, 'graft')).toEqual([]);
  });

  it('the re-link is sent once per prune', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm1', from: 'b' }), true);
    deliver(s, broadcastMsg({ id: 'm1', from: 'c' }), false);
    deliver(s, broadcastMsg({ id: 'm2', from: 'c' }), true);
    const effects = deliver(s, broadcastMsg({ id: 'm3', from: 'c' }), true);
    expect(sent(effects, 'graft')).toEqual([]);
  });
});
