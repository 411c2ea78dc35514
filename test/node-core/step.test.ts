import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createNodeCore,
  type NodeCoreEffect,
  type NodeCoreState,
  type NodeTimer,
  type Overlay,
  step,
  timerId,
  viewOf,
} from '../../src/node-core/index.js';
import type { NodeSpec } from '../../src/peer-service/core/index.js';
import { seededRng } from '../../src/util/rng.js';

const spec = (name: string): NodeSpec => ({
  name,
  listenAddrs: [{ host: '127.0.0.1', port: 1 }],
  channels: {},
});

function node(name: string, overlay: Overlay, seed = 1) {
  return createNodeCore({
    self: spec(name),
    overlay,
    now: 1000,
    handlers: ['h'],
    plumtreeRng: seededRng(seed),
    membershipRng: seededRng(seed + 1),
  });
}

const timers = (effects: readonly NodeCoreEffect[]) =>
  effects.flatMap((e) => (e.type === 'setTimer' ? [timerId(e.timer)] : []));

/** Delivers every membership send among `nodes` until none is left. */
function pump(nodes: Map<string, NodeCoreState>, effects: { from: string; e: NodeCoreEffect }[]) {
  for (let i = 0; i < effects.length && i < 1000; i++) {
    const { from, e } = effects[i] as { from: string; e: NodeCoreEffect };
    if (e.type !== 'send' || e.channel !== 'membership') continue;
    const to = nodes.get(e.to);
    if (to === undefined) continue;
    const out = step(
      to,
      { type: 'receive', from, envelope: { layer: 'membership', msg: e.msg } },
      2000,
    );
    for (const x of out) effects.push({ from: e.to, e: x });
  }
}

describe('composed node core', () => {
  // The lazy tick is armed only once announcements are owed, so a fresh node has none.
  it('starts the periodic timers its sub-cores arm: full membership and Plumtree', () => {
    expect(timers(node('a', 'full').effects).sort()).toEqual([
      'membership/periodic',
      'plumtree/exchangeTick',
    ]);
  });

  it('starts the periodic timers its sub-cores arm: HyParView and Plumtree', () => {
    expect(timers(node('a', 'hyparview').effects).sort()).toEqual([
      'membership/promotion',
      'membership/shuffle',
      'plumtree/exchangeTick',
    ]);
  });

  it('hands a full-membership change to the broadcast layer within the same step', () => {
    const a = node('a', 'full', 1).state;
    const b = node('b', 'full', 3).state;
    const nodes = new Map([
      ['a', a],
      ['b', b],
    ]);
    const joined = step(a, { type: 'join', contact: spec('b') }, 1500);
    pump(
      nodes,
      joined.map((e) => ({ from: 'a', e })),
    );
    expect(viewOf(a)).toEqual(['b']);
    expect([...a.plumtree.allMembers].sort()).toEqual(['a', 'b']);
    expect([...b.plumtree.allMembers].sort()).toEqual(['a', 'b']);
  });

  it('dials the contact and persists the membership when joining with full membership', () => {
    const a = node('a', 'full').state;
    const b = node('b', 'full', 3).state;
    const out: { from: string; e: NodeCoreEffect }[] = step(
      a,
      { type: 'join', contact: spec('b') },
      1500,
    ).map((e) => ({ from: 'a', e }));
    expect(out.some(({ e }) => e.type === 'connect' && e.peer.name === 'b')).toBe(true);
    pump(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      out,
    );
    expect(out.some(({ from, e }) => from === 'a' && e.type === 'persist')).toBe(true);
  });

  it('hands the HyParView active view to the broadcast layer within the same step', () => {
    const a = node('a', 'hyparview').state;
    const out = step(a, { type: 'join', contact: spec('b') }, 1500);
    expect(out).toContainEqual({ type: 'viewChanged', members: ['a', 'b'] });
    expect([...a.plumtree.allMembers].sort()).toEqual(['a', 'b']);
  });

  it('reports a closed channel to both layers', () => {
    const a = node('a', 'hyparview').state;
    step(a, { type: 'join', contact: spec('b') }, 1500);
    step(a, { type: 'channelUp', peer: 'b' }, 1600);
    step(a, { type: 'channelDown', peer: 'b' }, 1700);
    expect(a.membership.overlay === 'hyparview' && a.membership.core.active.has('b')).toBe(false);
    expect(a.connected.has('b')).toBe(false);
  });

  it('marks a peer down in the broadcast layer when its channel closes', () => {
    const a = node('a', 'full').state;
    const b = node('b', 'full', 3).state;
    pump(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      step(a, { type: 'join', contact: spec('b') }, 1500).map((e) => ({ from: 'a', e })),
    );
    step(a, { type: 'channelDown', peer: 'b' }, 1700);
    expect(a.plumtree.down.has('b')).toBe(true);
  });

  it('arms a rejoin after isolation and joins the last contact when it fires', () => {
    const a = node('a', 'hyparview').state;
    step(a, { type: 'join', contact: spec('b') }, 1500);
    const down = step(a, { type: 'sendFailed', peer: 'b' }, 1600);
    expect(timers(down)).toContain('membership/rejoin');
    const rejoin = step(
      a,
      { type: 'timer', timer: { layer: 'membership', key: { type: 'rejoin' } } },
      2600,
    );
    expect(rejoin.some((e) => e.type === 'send' && e.to === 'b')).toBe(true);
  });

  it('drops a malformed membership message with a log', () => {
    const a = node('a', 'full').state;
    const out = step(
      a,
      {
        type: 'receive',
        from: 'x',
        envelope: { layer: 'membership', msg: { type: 'bogus' } as never },
      },
      1500,
    );
    expect(out).toEqual([
      {
        type: 'log',
        layer: 'membership',
        level: 'warn',
        message: 'malformed membership message from x dropped',
      },
    ]);
  });

  it('refuses to remove another member with HyParView', () => {
    const a = node('a', 'hyparview').state;
    const out = step(a, { type: 'remove', name: 'b' }, 1500);
    expect(out.map((e) => e.type)).toEqual(['log']);
  });

  it('gives every timer its own id and the same timer the same id', () => {
    const all: NodeTimer[] = [
      { layer: 'membership', key: { type: 'periodic' } },
      { layer: 'membership', key: { type: 'shuffle' } },
      { layer: 'membership', key: { type: 'promotion' } },
      { layer: 'membership', key: { type: 'rejoin' } },
      { layer: 'plumtree', key: { type: 'lazyTick' } },
      { layer: 'plumtree', key: { type: 'exchangeTick' } },
      { layer: 'plumtree', key: { type: 'graft', key: '1' } },
      { layer: 'plumtree', key: { type: 'graft', key: '2' } },
    ];
    expect(new Set(all.map(timerId)).size).toBe(all.length);
    expect(timerId({ layer: 'plumtree', key: { type: 'graft', key: '1' } })).toBe(
      timerId(all[6] as NodeTimer),
    );
  });

  it('never throws, whatever events arrive in whatever order', () => {
    const peer = fc.constantFrom('b', 'c', 'd');
    const timer = fc.constantFrom<NodeTimer>(
      { layer: 'membership', key: { type: 'periodic' } },
      { layer: 'membership', key: { type: 'shuffle' } },
      { layer: 'membership', key: { type: 'promotion' } },
      { layer: 'membership', key: { type: 'rejoin' } },
      { layer: 'plumtree', key: { type: 'lazyTick' } },
      { layer: 'plumtree', key: { type: 'exchangeTick' } },
    );
    const event = fc.oneof(
      peer.map((p) => ({ type: 'join' as const, contact: spec(p) })),
      peer.map((p) => ({ type: 'channelUp' as const, peer: p })),
      peer.map((p) => ({ type: 'channelDown' as const, peer: p })),
      peer.map((p) => ({ type: 'sendFailed' as const, peer: p })),
      peer.map((p) => ({ type: 'remove' as const, name: p })),
      fc.constant({ type: 'leave' as const }),
      timer.map((t) => ({ type: 'timer' as const, timer: t })),
      fc.nat(5).map((n) => ({ type: 'broadcast' as const, handler: 'h', id: n, payload: n })),
      fc.tuple(peer, fc.anything()).map(([p, msg]) => ({
        type: 'receive' as const,
        from: p,
        envelope: { layer: 'membership' as const, msg: msg as never },
      })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<Overlay>('full', 'hyparview'),
        fc.array(event, { maxLength: 40 }),
        (overlay, events) => {
          const a = node('a', overlay).state;
          let now = 1000;
          for (const e of events) {
            now += 10;
            expect(() => step(a, e, now)).not.toThrow();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
