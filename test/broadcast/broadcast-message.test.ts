import { describe, expect, it } from 'vitest';
import { getPeers, step } from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, H, makeState, ofType, sent } from './helpers.js';

describe('receiving broadcast', () => {
  it('asks the handler to merge the payload, carrying the message as the token', () => {
    const s = makeState();
    const msg = broadcastMsg();
    const effects = step(s, { type: 'receive', from: 'b', msg }, 0);
    expect(ofType(effects, 'merge')).toEqual([
      { type: 'merge', handler: H, id: 'm1', payload: 'p1', token: msg },
    ]);
    expect(ofType(effects, 'send')).toEqual([]);
  });

  it('drops a message for an unregistered handler and counts it', () => {
    const s = makeState();
    const effects = step(
      s,
      { type: 'receive', from: 'b', msg: broadcastMsg({ handler: 'nope' }) },
      0,
    );
    expect(ofType(effects, 'merge')).toEqual([]);
    expect(ofType(effects, 'metric').map((m) => m.metric)).toEqual([
      { kind: 'unknownHandlerDropped', handler: 'nope', from: 'b' },
    ]);
  });

  it('drops a message whose sender field disagrees with the link it came on', () => {
    const s = makeState();
    const effects = step(s, { type: 'receive', from: 'c', msg: broadcastMsg({ from: 'b' }) }, 0);
    expect(ofType(effects, 'merge')).toEqual([]);
    expect(ofType(effects, 'log')).toHaveLength(1);
  });

  it('when new: makes the sender eager for the root and pushes on with round + 1, never back', () => {
    const s = makeState({ eagers: ['c'], lazys: ['b', 'd'] });
    const effects = deliver(s, broadcastMsg({ round: 4 }), true);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['b', 'c'], lazys: ['d'] });
    const pushes = sent(effects, 'broadcast');
    expect(pushes.map(([to]) => to)).toEqual(['c']);
    expect(pushes[0]?.[1]).toMatchObject({
      round: 5,
      root: 'e',
      from: 'a',
      id: 'm1',
      payload: 'p1',
    });
  });

  it('when new: owes an announcement with round + 1 to each lazy peer except the sender', () => {
    const s = makeState({ eagers: ['c'], lazys: ['b', 'd', 'e'] });
    deliver(s, broadcastMsg({ round: 2 }), true);
    expect(s.outstanding.countFor('b')).toBe(0);
    expect([...s.outstanding.entriesFor('d')]).toEqual([
      { id: 'm1', handler: H, round: 3, root: 'e' },
    ]);
    expect(s.outstanding.countFor('e')).toBe(1);
  });

  it('when new: counts a delivery', () => {
    const s = makeState();
    const effects = deliver(s, broadcastMsg(), true);
    expect(ofType(effects, 'metric').map((m) => m.metric)).toContainEqual({
      kind: 'delivered',
      handler: H,
    });
  });

  it('when not new: makes the sender lazy for the root and prunes it', () => {
    const s = makeState();
    const effects = deliver(s, broadcastMsg({ from: 'b' }), false);
    expect(sent(effects, 'prune')).toEqual([['b', { type: 'prune', root: 'e', from: 'a' }]]);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c'], lazys: ['b', 'd'] });
    expect(sent(effects, 'broadcast')).toEqual([]);
    expect(s.outstanding.size).toBe(0);
  });

  it('after an i_have showed the message held off the tree (an exchange), keeps the sender eager', () => {
    const s = makeState();
    announce(s, 'd', [entry({ round: 0 })], true);
    const effects = deliver(s, broadcastMsg({ from: 'b' }), false);
    expect(sent(effects, 'prune')).toEqual([]);
    expect(getPeers(s, 'e').eagers).toContain('b');
  });

  it('a second copy after the one kept as the tree path prunes as usual', () => {
    const s = makeState();
    announce(s, 'd', [entry({ round: 0 })], true);
    deliver(s, broadcastMsg({ from: 'b' }), false);
    const effects = deliver(s, broadcastMsg({ from: 'c' }), false);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['c']);
  });

  it('treats a merge that threw as not new, and logs it', () => {
    const s = makeState();
    const msg = broadcastMsg();
    step(s, { type: 'receive', from: 'b', msg }, 0);
    const effects = step(s, { type: 'mergeFailed', token: msg, error: new Error('boom') }, 0);
    expect(sent(effects, 'prune').map(([to]) => to)).toEqual(['b']);
    expect(ofType(effects, 'log')[0]).toMatchObject({ level: 'error', handler: H });
  });

  it('changes only the tree of the message root', () => {
    const s = makeState({ options: { newRootSeed: 'common' } });
    deliver(s, broadcastMsg({ root: 'e', from: 'b' }), false);
    expect(getPeers(s, 'e').lazys).toContain('b');
    expect(getPeers(s, 'c')).toEqual({ eagers: ['b', 'c'], lazys: ['d'] });
  });

  it('keeps a tree for a root that is not a member, as with partial views', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b', root: 'far' }), false);
    expect(getPeers(s, 'far')).toEqual({ eagers: ['c'], lazys: ['b', 'd'] });
  });

  it('learns no link with a sender that is not a member', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'x', root: 'b' }), true);
    expect(getPeers(s, 'b').eagers).not.toContain('x');
  });
});

describe('local broadcast', () => {
  it('pushes with round 0 and root = self to the eager peers', () => {
    const s = makeState();
    const effects = step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 'px' }, 0);
    expect(sent(effects, 'broadcast')).toEqual(
      ['b', 'c'].map((to) => [
        to,
        { type: 'broadcast', id: 'x', payload: 'px', handler: H, round: 0, root: 'a', from: 'a' },
      ]),
    );
  });

  it('owes round-0 announcements to the lazy peers', () => {
    const s = makeState();
    step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 'px' }, 0);
    expect([...s.outstanding.entriesFor('d')]).toEqual([
      { id: 'x', handler: H, round: 0, root: 'a' },
    ]);
  });

  it('drops a broadcast for an unregistered handler', () => {
    const s = makeState();
    const effects = step(s, { type: 'localBroadcast', handler: 'nope', id: 'x', payload: 1 }, 0);
    expect(ofType(effects, 'send')).toEqual([]);
    expect(ofType(effects, 'metric')[0]?.metric.kind).toBe('unknownHandlerDropped');
  });

  it('cancels a broadcast whose broadcastData threw and logs it', () => {
    const s = makeState();
    const effects = step(
      s,
      { type: 'broadcastDataFailed', handler: H, error: new Error('bad') },
      0,
    );
    expect(ofType(effects, 'send')).toEqual([]);
    expect(ofType(effects, 'log')).toMatchObject([{ level: 'error', handler: H }]);
    expect(s.outstanding.size).toBe(0);
  });

  it('cancels a broadcast whose id cannot be keyed', () => {
    const s = makeState();
    const effects = step(s, { type: 'localBroadcast', handler: H, id: () => 1, payload: 1 }, 0);
    expect(ofType(effects, 'send')).toEqual([]);
    expect(ofType(effects, 'log')).toHaveLength(1);
  });
});

describe('receiving prune', () => {
  it('makes the sender lazy in the tree of that root only', () => {
    const s = makeState({ options: { newRootSeed: 'common' } });
    const effects = step(
      s,
      {
        type: 'receive',
        from: 'b',
        msg: { type: 'prune', root: 'e', from: 'b' },
      },
      0,
    );
    expect(effects).toEqual([]);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c'], lazys: ['b', 'd'] });
    expect(getPeers(s, 'c')).toEqual({ eagers: ['b', 'c'], lazys: ['d'] });
  });
});
