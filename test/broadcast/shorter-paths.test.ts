import { describe, expect, it } from 'vitest';
import type { PlumtreeOptions } from '../../src/broadcast/core/index.js';
import { step } from '../../src/broadcast/core/index.js';
import { announce, broadcastMsg, deliver, entry, makeState, sent } from './helpers.js';

// Node a: eager b and c, lazy d; root e is a member linked to nobody here.
const on: Partial<PlumtreeOptions> = { optimizationThreshold: 0, announceShorterPaths: true };

/** Node a after b pushed it the message 6 hops from its root. */
function deliveredAtRound6(options: Partial<PlumtreeOptions> = on) {
  const s = makeState({ options });
  deliver(s, broadcastMsg({ from: 'b', round: 6 }), true);
  return s;
}

function iHaves(effects: ReturnType<typeof step>): [string, number[]][] {
  return sent(effects, 'i_have')
    .map(([to, m]): [string, number[]] => [to, m.entries.map((e) => e.round)])
    .sort(([x], [y]) => x.localeCompare(y));
}

describe('shorter paths announced at once (announceShorterPaths)', () => {
  it('after a swap, announces the message with its new round to the other links of the tree', () => {
    const s = deliveredAtRound6();
    const effects = announce(s, 'd', [entry({ round: 3 })], true);
    expect(iHaves(effects)).toEqual([
      ['b', [4]],
      ['c', [4]],
    ]);
  });

  it('the announcement names the message and its tree', () => {
    const s = deliveredAtRound6();
    const [first] = sent(announce(s, 'd', [entry({ round: 3 })], true), 'i_have');
    expect(first?.[1].entries).toEqual([{ id: 'm1', handler: 'kv', round: 4, root: 'e' }]);
  });

  it('a parent announcing a smaller round is passed on without a swap', () => {
    const s = deliveredAtRound6();
    const effects = announce(s, 'b', [entry({ round: 2 })], true);
    expect(sent(effects, 'graft')).toEqual([]);
    expect(iHaves(effects)).toEqual([
      ['c', [3]],
      ['d', [3]],
    ]);
  });

  it('a parent announcing a smaller round shortens the round later announcements are judged against', () => {
    const s = deliveredAtRound6();
    announce(s, 'b', [entry({ round: 2 })], true);
    expect(sent(announce(s, 'd', [entry({ round: 4 })], true), 'graft')).toEqual([]);
  });

  it('a parent announcing the round the message came with passes nothing on', () => {
    const s = deliveredAtRound6();
    expect(iHaves(announce(s, 'b', [entry({ round: 6 })], true))).toEqual([]);
  });

  it('a peer that is down is not told', () => {
    const s = deliveredAtRound6({ ...on, fastRepair: false });
    step(s, { type: 'peerDown', peer: 'c' }, 0);
    expect(iHaves(announce(s, 'd', [entry({ round: 3 })], true))).toEqual([['b', [4]]]);
  });

  it('is off by default: a swap sends no announcement', () => {
    const s = deliveredAtRound6({ optimizationThreshold: 0 });
    expect(sent(announce(s, 'd', [entry({ round: 3 })], true), 'i_have')).toEqual([]);
  });
});
