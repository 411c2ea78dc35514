import { describe, expect, it } from 'vitest';
import { getPeers, type PlumtreeState, step } from '../../src/broadcast/core/index.js';
import { LinkGrafts } from '../../src/broadcast/core/link-grafts.js';
import { announce, broadcastMsg, deliver, entry, makeState, ofType, sent } from './helpers.js';

// Node a among a..e: eager b, c and lazy d in every tree; e is the root of the tree
// under test and a member, so a repair may graft it directly.

/** a got m1 of e's tree from b at round 6, then d announced it at round 3: a swapped to d. */
function swappedToD(): PlumtreeState {
  const s = makeState({ options: { optimizationThreshold: 2, repairGraftTimeout: 40 } });
  deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
  announce(s, 'd', [entry({ round: 3 })], true);
  return s;
}

function graftDelays(effects: ReturnType<typeof step>): number[] {
  return ofType(effects, 'setTimer').map((t) => t.delayMs);
}

describe('a missing message announced by the peer this node just grafted link-only', () => {
  it('is grafted after repairGraftTimeout, not graftTimeout1: that peer will not push it', () => {
    const s = swappedToD();
    expect(graftDelays(announce(s, 'd', [entry({ id: 'm2', round: 3 })], false))).toEqual([40]);
  });

  it('is hurried too when another peer announced it first', () => {
    const s = swappedToD();
    expect(graftDelays(announce(s, 'b', [entry({ id: 'm2', round: 7 })], false))).toEqual([500]);
    expect(graftDelays(announce(s, 'd', [entry({ id: 'm2', round: 3 })], false))).toEqual([40]);
  });

  it('waits graftTimeout1 when announced by an eager peer that was not grafted', () => {
    const s = swappedToD();
    expect(graftDelays(announce(s, 'c', [entry({ id: 'm2', round: 3 })], false))).toEqual([500]);
  });

  it('waits graftTimeout1 once the graft is older than graftTimeout1', () => {
    const s = swappedToD();
    const late = announce(s, 'd', [entry({ id: 'm2', round: 3 })], false, 501);
    expect(graftDelays(late)).toEqual([500]);
  });
});

describe('a graft timer while the tree eager parent is busy', () => {
  it('is not put off when that parent announced the message itself: it will never push it', () => {
    const s = makeState();
    const [timer] = ofType(announce(s, 'b', [entry({ id: 'queued' })], false), 'setTimer');
    if (timer === undefined) throw new Error('no graft timer armed');
    // b keeps pushing other payloads of the tree: busy, but not with this one.
    step(s, { type: 'mergeResult', token: broadcastMsg({ id: 'x', from: 'b' }), isNew: true }, 400);
    const fired = step(s, { type: 'timer', key: timer.key }, 500);
    expect(ofType(fired, 'isStale')).toHaveLength(1);
  });
});

describe('a prune from the peer that fed the tree latest payload', () => {
  it('re-attaches the node to the root at once, link-only', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b' }), true);
    const effects = step(
      s,
      { type: 'receive', from: 'b', msg: { type: 'prune', root: 'e', from: 'b' } },
      1,
    );
    expect(sent(effects, 'graft').map(([to, m]) => [to, m.root, m.id, m.linkOnly])).toEqual([
      ['e', 'e', 'm1', true],
    ]);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['c', 'e'], lazys: ['b', 'd'] });
  });

  it('re-attaches nothing when the pruner is not the feeder (a duplicate it answered)', () => {
    const s = makeState();
    deliver(s, broadcastMsg({ from: 'b' }), true);
    const effects = step(
      s,
      { type: 'receive', from: 'c', msg: { type: 'prune', root: 'e', from: 'c' } },
      1,
    );
    expect(sent(effects, 'graft')).toEqual([]);
  });

  it('re-attaches nothing when the root is the pruner, or is not a member', () => {
    const own = makeState();
    deliver(own, broadcastMsg({ from: 'e' }), true);
    const byRoot = step(
      own,
      { type: 'receive', from: 'e', msg: { type: 'prune', root: 'e', from: 'e' } },
      1,
    );
    expect(sent(byRoot, 'graft')).toEqual([]);
    const partial = makeState();
    deliver(partial, broadcastMsg({ from: 'b', root: 'z' }), true);
    const noRoot = step(
      partial,
      { type: 'receive', from: 'b', msg: { type: 'prune', root: 'z', from: 'b' } },
      1,
    );
    expect(sent(noRoot, 'graft')).toEqual([]);
  });

  it('re-attaches nothing with fastRepair off', () => {
    const s = makeState({ options: { fastRepair: false } });
    deliver(s, broadcastMsg({ from: 'b' }), true);
    const effects = step(
      s,
      { type: 'receive', from: 'b', msg: { type: 'prune', root: 'e', from: 'b' } },
      1,
    );
    expect(sent(effects, 'graft')).toEqual([]);
  });
});

describe('copies pushed after a link-only graft to the root', () => {
  it('do not go to the root, whose prune of the duplicate would cut the new link', () => {
    const s = makeState({ options: { optimizationThreshold: 2 } });
    deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
    announce(s, 'e', [entry({ round: 0 })], true);
    expect(getPeers(s, 'e').eagers).toContain('e');
    const next = deliver(s, broadcastMsg({ id: 'm2', from: 'c', round: 2 }), true);
    expect(sent(next, 'broadcast').map(([to]) => to)).toEqual([]);
  });

  it('go to the root otherwise: the duplicate teaches it the link', () => {
    const s = makeState();
    s.sets.addEager('e', 'e');
    const next = deliver(s, broadcastMsg({ from: 'c' }), true);
    expect(
      sent(next, 'broadcast')
        .map(([to]) => to)
        .sort(),
    ).toEqual(['b', 'e']);
  });
});

describe('LinkGrafts', () => {
  it('knows the peer a tree was last grafted to, within the window', () => {
    const g = new LinkGrafts(8, 500);
    g.record('r', 'p', 100);
    expect(g.recent('r', 'p', 600)).toBe(true);
    expect(g.recent('r', 'p', 601)).toBe(false);
    expect(g.recent('r', 'q', 100)).toBe(false);
  });

  it('keeps a graft to each peer of a tree: a re-link after it does not hide the root graft', () => {
    const g = new LinkGrafts(8, 500);
    g.record('r', 'r', 0);
    g.record('r', 'q', 1);
    expect([g.recent('r', 'r', 2), g.recent('r', 'q', 2)]).toEqual([true, true]);
  });

  it('drops the graft sent longest ago beyond its capacity', () => {
    const g = new LinkGrafts(2, 500);
    g.record('r1', 'p', 0);
    g.record('r2', 'p', 0);
    g.record('r1', 'q', 0);
    expect(g.size).toBe(2);
    expect(g.recent('r1', 'p', 0)).toBe(false);
    expect(g.recent('r1', 'q', 0)).toBe(true);
  });
});
