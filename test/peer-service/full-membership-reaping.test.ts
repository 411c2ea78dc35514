import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fullMembershipOptions,
  InvalidOptionsError,
  membersOf,
} from '../../src/peer-service/core/index.js';
import { MembershipNetwork } from './membership-network.js';

const DOWN_AFTER = 1_000;

/** A cluster of cores with reaping on, every pair's channel up. */
function cluster(names: readonly string[], downAfterMs = DOWN_AFTER): MembershipNetwork {
  const net = new MembershipNetwork();
  net.options = { downAfterMs };
  for (const name of names) net.add(name);
  const [first, ...rest] = names;
  for (const name of rest) net.join(name, first as string);
  for (const a of names) for (const b of names) if (a !== b) up(net, a, b);
  return net;
}

function up(net: MembershipNetwork, at: string, peer: string): void {
  net.step(at, { type: 'peerUp', name: peer });
}

function down(net: MembershipNetwork, at: string, peer: string): void {
  net.step(at, { type: 'peerDown', name: peer });
}

function reapAll(net: MembershipNetwork): void {
  for (const name of net.nodes.keys()) {
    if (!net.unreachable.has(name)) net.step(name, { type: 'timer', key: { type: 'reap' } });
  }
  net.run();
}

describe('full membership: reaping members that are down', () => {
  it('removes a member down for downAfterMs everywhere, with a reaped effect', () => {
    const net = cluster(['a', 'b', 'c']);
    net.unreachable.add('c');
    down(net, 'a', 'c');
    net.take('a', 'reaped');
    net.now += DOWN_AFTER;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
    expect(membersOf(net.node('b'))).toEqual(['a', 'b']);
    const [reaped] = net.take('a', 'reaped');
    expect(reaped?.name).toBe('c');
    expect(reaped?.downForMs).toBeGreaterThanOrEqual(DOWN_AFTER);
  });

  it('arms the reap timer for the deadline of the member that went down', () => {
    const net = cluster(['a', 'b']);
    net.take('a', 'setTimer');
    down(net, 'a', 'b');
    expect(net.take('a', 'setTimer')).toEqual([
      { type: 'setTimer', key: { type: 'reap' }, delayMs: DOWN_AFTER },
    ]);
  });

  it('does not remove a member before its deadline', () => {
    const net = cluster(['a', 'b', 'c']);
    down(net, 'a', 'c');
    net.now += DOWN_AFTER / 2;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    expect(membersOf(net.node('a'))).toEqual(['a', 'b', 'c']);
  });

  it('does not remove a member that came back up before its deadline', () => {
    const net = cluster(['a', 'b', 'c']);
    down(net, 'a', 'c');
    net.now += DOWN_AFTER / 2;
    up(net, 'a', 'c');
    net.now += DOWN_AFTER;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    expect(membersOf(net.node('a'))).toEqual(['a', 'b', 'c']);
  });

  it('reaps a member that never came up after it was added', () => {
    const net = cluster(['a', 'b']);
    net.add('x');
    net.join('x', 'a');
    net.unreachable.add('x');
    net.now += DOWN_AFTER;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
  });

  it('never removes anyone with downAfterMs 0', () => {
    const net = cluster(['a', 'b'], 0);
    net.take('a', 'setTimer');
    down(net, 'a', 'b');
    expect(net.take('a', 'setTimer')).toEqual([]);
    net.now += 10 * DOWN_AFTER;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
  });

  it('refuses a negative or fractional downAfterMs', () => {
    expect(() => fullMembershipOptions({ downAfterMs: -1 })).toThrow(InvalidOptionsError);
    expect(() => fullMembershipOptions({ downAfterMs: 0.5 })).toThrow(InvalidOptionsError);
  });

  it('probes a reaped member on every periodic timer until it is a member again', () => {
    const net = cluster(['a', 'b', 'c']);
    net.unreachable.add('c');
    down(net, 'a', 'c');
    net.now += DOWN_AFTER;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    net.run();
    net.take('a', 'probe');
    net.step('a', { type: 'timer', key: { type: 'periodic' } });
    expect(net.take('a', 'probe').map((p) => p.spec.name)).toEqual(['c']);
    net.unreachable.delete('c');
    net.run();
    net.tickAll();
    for (const name of ['a', 'b', 'c']) expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
    net.step('a', { type: 'timer', key: { type: 'periodic' } });
    expect(net.take('a', 'probe')).toEqual([]);
  });

  it('does not probe a node that announced its own leave', () => {
    const net = cluster(['a', 'b', 'c']);
    net.step('c', { type: 'leave' });
    net.run();
    net.step('a', { type: 'timer', key: { type: 'periodic' } });
    expect(net.take('a', 'probe')).toEqual([]);
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
  });
});

describe('full membership: a member only one node cannot reach', () => {
  it('is reaped there, told by a member that still reaches it, and refutes at once', () => {
    const net = cluster(['a', 'b', 'c']);
    net.cut = (from, to) => (from === 'a' && to === 'c') || (from === 'c' && to === 'a');
    down(net, 'a', 'c');
    net.now += DOWN_AFTER;
    net.step('a', { type: 'timer', key: { type: 'reap' } });
    net.run();
    expect(net.take('c', 'refuted')).toHaveLength(1);
    expect(membersOf(net.node('b'))).toEqual(['a', 'b', 'c']);
    expect(membersOf(net.node('c'))).toEqual(['a', 'b', 'c']);
  });
});

describe('full membership: a partition longer than downAfterMs', () => {
  /**
   * Splits `names` into `left` and the rest, lets each side reap the other (and
   * collect tombstones for `ticks` rounds), heals, and runs `after` periodic rounds.
   */
  function partitionAndHeal(
    names: readonly string[],
    left: ReadonlySet<string>,
    ticks: number,
    after: number,
  ): MembershipNetwork {
    const net = cluster(names);
    const side = (n: string) => left.has(n);
    net.cut = (from, to) => side(from) !== side(to);
    for (const a of names) for (const b of names) if (side(a) !== side(b)) down(net, a, b);
    net.now += DOWN_AFTER;
    reapAll(net);
    for (let i = 0; i < ticks; i++) net.tickAll();
    net.cut = () => false;
    for (const a of names) for (const b of names) if (a !== b) up(net, a, b);
    for (let i = 0; i < after; i++) net.tickAll();
    return net;
  }

  it('each side removes the other', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const net = cluster(names);
    const left = new Set(['a', 'b', 'c']);
    net.cut = (from, to) => left.has(from) !== left.has(to);
    for (const a of names) for (const b of names) if (left.has(a) !== left.has(b)) down(net, a, b);
    net.now += DOWN_AFTER;
    reapAll(net);
    for (const n of ['a', 'b', 'c']) expect(membersOf(net.node(n))).toEqual(['a', 'b', 'c']);
    for (const n of ['d', 'e', 'f']) expect(membersOf(net.node(n))).toEqual(['d', 'e', 'f']);
  });

  it('merges back into one cluster after the heal, tombstones kept or collected', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const ticks of [0, 5]) {
      const net = partitionAndHeal(names, new Set(['a', 'b', 'c']), ticks, 2);
      for (const n of names) expect(membersOf(net.node(n))).toEqual(names);
    }
  });

  it('property: any split, any collection progress, one cluster of everyone after the heal', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    fc.assert(
      fc.property(
        fc.subarray(names, { minLength: 1, maxLength: names.length - 1 }),
        fc.integer({ min: 0, max: 6 }),
        (left, ticks) => {
          const net = partitionAndHeal(names, new Set(left), ticks, 3);
          for (const n of names) expect(membersOf(net.node(n))).toEqual(names);
        },
      ),
      { numRuns: 60 },
    );
  });
});
