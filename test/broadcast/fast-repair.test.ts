import { describe, expect, it } from 'vitest';
import {
  getPeers,
  type PlumtreeState,
  step,
  type TimerKey,
} from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, H, makeState, ofType, sent } from './helpers.js';

const down = (s: PlumtreeState, peer: string, at = 0) => step(s, { type: 'peerDown', peer }, at);

/** Fires a graft timer and answers its isStale check with "missing". */
function fireGraft(s: PlumtreeState, key: TimerKey, at = 0) {
  const asks = ofType(step(s, { type: 'timer', key }, at), 'isStale');
  return asks.flatMap((a) => step(s, { type: 'isStaleResult', token: a.token, stale: false }, at));
}

describe('fast repair when a peer goes down', () => {
  it('a tree whose eager parent went down grafts a live lazy peer link-only and makes it eager', () => {
    // root z is no member (a partial view): the lazy peer d is the way back
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'z' }), true);
    const grafts = sent(down(s, 'b'), 'graft');
    expect(grafts.map(([to, m]) => [to, m.root, m.linkOnly])).toEqual([['d', 'z', true]]);
    expect(getPeers(s, 'z').eagers).toContain('d');
  });

  it('the root itself is the new parent when it is a live member, linked or not', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    expect(sent(down(s, 'b'), 'graft').map(([to, m]) => [to, m.id])).toEqual([['e', 'm1']]);
  });

  it('a link-only graft is answered with announcements of every later message of that tree', () => {
    const s = makeState();
    for (const id of ['x', 'y', 'z'])
      step(s, { type: 'localBroadcast', handler: H, id, payload: 1 }, 0);
    const graft = {
      type: 'graft',
      id: 'x',
      handler: H,
      round: 0,
      root: 'a',
      from: 'e',
      linkOnly: true,
    } as const;
    const now = sent(step(s, { type: 'receive', from: 'e', msg: graft }, 0), 'i_have');
    expect(now.map(([to, m]) => [to, m.entries.map((e) => e.id)])).toEqual([['e', ['y', 'z']]]);
    expect([...s.outstanding.entriesFor('e')].map((e) => e.id)).toEqual(['y', 'z']);
    expect(getPeers(s, 'a').eagers).toContain('e');
  });

  it('a link-only graft naming a message not remembered here announces nothing', () => {
    const s = makeState();
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 0);
    const graft = {
      type: 'graft',
      id: 'old',
      handler: H,
      round: 0,
      root: 'a',
      from: 'e',
      linkOnly: true,
    } as const;
    step(s, { type: 'receive', from: 'e', msg: graft }, 0);
    expect(s.outstanding.countFor('e')).toBe(0);
  });

  it('a peer that was only a lazy link here going down grafts nothing', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    expect(sent(down(s, 'd'), 'graft')).toEqual([]);
  });

  it('a tree in which the dead peer was eager grafts too, though its last payload came another way', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    expect(sent(down(s, 'c'), 'graft').map(([to, m]) => [to, m.linkOnly])).toEqual([['e', true]]);
  });

  it('a missing message is grafted at once from its live announcer', () => {
    const s = makeState();
    const [timer] = ofType(announce(s, 'd', [entry({ id: 'lost' })], false), 'setTimer');
    if (timer === undefined) throw new Error('graft timer expected');
    expect(ofType(down(s, 'b'), 'setTimer')).toContainEqual({
      type: 'setTimer',
      key: timer.key,
      delayMs: 0,
    });
    expect(sent(fireGraft(s, timer.key), 'graft').map(([to, m]) => [to, m.id])).toEqual([
      ['d', 'lost'],
    ]);
  });

  it('a graft goes to a live announcer before one that is down', () => {
    const s = makeState();
    const [timer] = ofType(announce(s, 'b', [entry({ id: 'lost' })], false), 'setTimer');
    announce(s, 'd', [entry({ id: 'lost' })], false);
    if (timer === undefined) throw new Error('graft timer expected');
    down(s, 'b');
    expect(sent(fireGraft(s, timer.key), 'graft').map(([to]) => to)).toEqual(['d']);
  });

  it('announcements owed go out at once when a peer goes down', () => {
    const s = makeState();
    step(s, { type: 'start' }, 0);
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 1 }, 10);
    const ihaves = sent(down(s, 'c', 20), 'i_have');
    expect(ihaves.map(([to, m]) => [to, m.entries.map((e) => e.id)])).toEqual([['d', ['x']]]);
  });

  it('during the repair window the first graft waits repairGraftTimeout only', () => {
    const s = makeState({ options: { repairGraftTimeout: 40 } });
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    down(s, 'b', 0);
    const msg = { type: 'i_have', entries: [entry({ id: 'lost' })], from: 'd' } as const;
    const [ask] = ofType(step(s, { type: 'receive', from: 'd', msg }, 10), 'isStale');
    if (ask === undefined) throw new Error('isStale expected');
    const effects = step(s, { type: 'isStaleResult', token: ask.token, stale: false }, 10);
    expect(ofType(effects, 'setTimer').map((t) => t.delayMs)).toEqual([40]);
  });

  it('a node that re-parented nothing keeps the normal graft timeout', () => {
    const s = makeState({ options: { graftTimeout1: 500 } });
    down(s, 'c', 0);
    const effects = announce(s, 'd', [entry({ id: 'lost' })], false);
    expect(ofType(effects, 'setTimer').map((t) => t.delayMs)).toEqual([500]);
  });

  it('the repair window ends repairWindowMs after re-parenting', () => {
    const s = makeState({ options: { graftTimeout1: 500, repairWindowMs: 100 } });
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    down(s, 'b', 0);
    const msg = { type: 'i_have', entries: [entry({ id: 'lost' })], from: 'd' } as const;
    const [ask] = ofType(step(s, { type: 'receive', from: 'd', msg }, 150), 'isStale');
    if (ask === undefined) throw new Error('isStale expected');
    const effects = step(s, { type: 'isStaleResult', token: ask.token, stale: false }, 150);
    expect(ofType(effects, 'setTimer').map((t) => t.delayMs)).toEqual([500]);
  });

  it('a duplicate while re-parenting prunes nothing', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ id: 'm1', from: 'b', root: 'e' }), true);
    down(s, 'b', 0);
    const effects = deliver(s, broadcastMsg({ id: 'm1', from: 'c', root: 'e' }), false);
    expect(sent(effects, 'prune')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('c');
  });

  it('after the repair window a duplicate prunes its sender again', () => {
    const s = makeState({ options: { repairWindowMs: 100 } });
    deliver(s, broadcastMsg({ id: 'm1', from: 'b', root: 'e' }), true);
    down(s, 'b', 0);
    step(s, { type: 'timer', key: { type: 'exchangeTick' } }, 200);
    const effects = deliver(s, broadcastMsg({ id: 'm1', from: 'c', root: 'e' }), false);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['c']);
  });

  it('while re-parented, a payload got another way is not pushed to the root of its tree', () => {
    // a's parent b in e's tree dies; a grafts e, then gets the next payload from c
    const s = makeState({ eagers: ['b', 'c', 'e'], lazys: ['d'] });
    deliver(s, broadcastMsg({ id: 'm1', from: 'b', root: 'e' }), true);
    down(s, 'b', 0);
    const effects = deliver(s, broadcastMsg({ id: 'm2', from: 'c', root: 'e' }), true);
    expect(sent(effects, 'broadcast').map(([to]) => to)).not.toContain('e');
  });

  it('with fastRepair off, a peer going down sends nothing and arms nothing', () => {
    const s = makeState({ options: { fastRepair: false } });
    step(s, { type: 'start' }, 0);
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    const effects = down(s, 'b', 10);
    expect([ofType(effects, 'send'), ofType(effects, 'setTimer')]).toEqual([[], []]);
  });

  it('a second report of the same peer down repairs nothing again', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'e' }), true);
    down(s, 'b');
    expect(sent(down(s, 'b'), 'graft')).toEqual([]);
  });
});
