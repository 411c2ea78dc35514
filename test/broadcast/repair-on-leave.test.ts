import { describe, expect, it } from 'vitest';
import type { PlumtreeOptions, PlumtreeState } from '../../src/broadcast/core/index.js';
import { getPeers, step } from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, makeState, sent } from './helpers.js';

// Node a: eager b and c, lazy d; root e is a member linked to nobody here. The
// latest message of e's tree came from b, 3 hops from e.
const on: Partial<PlumtreeOptions> = { optimizationThreshold: 0, repairOnLeave: true };

function fedByB(options: Partial<PlumtreeOptions> = on): PlumtreeState {
  const s = makeState({ options });
  deliver(s, broadcastMsg({ from: 'b', round: 3 }), true);
  return s;
}

function leave(s: PlumtreeState, peer: string) {
  const members = [...s.allMembers].filter((m) => m !== peer);
  return step(s, { type: 'update', members }, 0);
}

function grafts(effects: ReturnType<typeof step>) {
  return sent(effects, 'graft').map(([to, m]) => [to, m.root, m.id, m.linkOnly]);
}

describe('re-attaching a tree whose parent left (repairOnLeave)', () => {
  it('grafts the lazy peer that announced the latest message at the same round, link only', () => {
    const s = fedByB();
    announce(s, 'd', [entry({ round: 3 })], true);
    expect(grafts(leave(s, 'b'))).toEqual([['d', 'e', 'm1', true]]);
  });

  it('the grafted peer becomes eager in that tree', () => {
    const s = fedByB();
    announce(s, 'd', [entry({ round: 3 })], true);
    leave(s, 'b');
    expect(getPeers(s, 'e').eagers).toContain('d');
  });

  it('prefers the announcer with the smallest round', () => {
    const s = makeState({
      eagers: ['b', 'c'],
      lazys: ['d', 'x'],
      members: ['a', 'b', 'c', 'd', 'e', 'x'],
      options: on,
    });
    deliver(s, broadcastMsg({ from: 'b', round: 3 }), true);
    announce(s, 'x', [entry({ round: 4 })], true);
    announce(s, 'd', [entry({ round: 3 })], true);
    expect(grafts(leave(s, 'b')).map(([to]) => to)).toEqual(['d']);
  });

  it('a duplicate counts as its sender announcing its round', () => {
    const s = fedByB();
    deliver(s, broadcastMsg({ from: 'c', round: 3 }), false);
    expect(grafts(leave(s, 'b')).map(([to]) => to)).toEqual(['c']);
  });

  it('an announcer more than one round further than this node is not used (it may sit below)', () => {
    const s = fedByB();
    announce(s, 'd', [entry({ round: 5 })], true);
    // The root e is a live member: it holds every message of its tree.
    expect(grafts(leave(s, 'b')).map(([to]) => to)).toEqual(['e']);
  });

  it('a child leaving re-attaches nothing', () => {
    const s = fedByB();
    announce(s, 'd', [entry({ round: 3 })], true);
    expect(grafts(leave(s, 'c'))).toEqual([]);
  });

  it('is off by default: the parent leaving grafts nobody', () => {
    const s = fedByB({ optimizationThreshold: 0 });
    announce(s, 'd', [entry({ round: 3 })], true);
    expect(grafts(leave(s, 'b'))).toEqual([]);
  });
});

describe("a node's own tree after a view change (repairOnLeave)", () => {
  // Node a broadcast once, and the duplicates of b and c pruned them: only d pushes.
  function ownTreeFedByD(options: Partial<PlumtreeOptions> = on): PlumtreeState {
    const s = makeState({ eagers: ['b', 'c', 'd'], lazys: [], options });
    step(s, { type: 'localBroadcast', handler: 'kv', id: 'a1', payload: 1 }, 0);
    deliver(s, broadcastMsg({ id: 'a1', root: 'a', from: 'b', round: 2 }), false);
    deliver(s, broadcastMsg({ id: 'a1', root: 'a', from: 'c', round: 2 }), false);
    return s;
  }

  it('makes its links eager again when its last eager peer leaves', () => {
    const s = ownTreeFedByD();
    leave(s, 'd');
    expect(getPeers(s, 'a')).toEqual({ eagers: ['b', 'c'], lazys: [] });
  });

  it('leaves it alone while an eager peer remains', () => {
    const s = ownTreeFedByD();
    leave(s, 'b');
    expect(getPeers(s, 'a')).toEqual({ eagers: ['d'], lazys: ['c'] });
  });

  it('is off by default', () => {
    const s = ownTreeFedByD({});
    leave(s, 'd');
    expect(getPeers(s, 'a')).toEqual({ eagers: [], lazys: ['b', 'c'] });
  });
});
