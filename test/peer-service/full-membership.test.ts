import { describe, expect, it } from 'vitest';
import {
  fromData,
  fullMembershipOptions,
  InvalidOptionsError,
  JoinSelfError,
  MembershipDecodeError,
  membersOf,
  SpecNameMismatchError,
  snapshotOf,
  specOf,
  stepFullMembership,
  toData,
  UnknownMemberError,
} from '../../src/peer-service/core/index.js';
import { MembershipNetwork, spec } from './membership-network.js';

function cluster(...names: string[]): MembershipNetwork {
  const net = new MembershipNetwork();
  for (const name of names) net.add(name);
  const [first, ...rest] = names;
  for (const name of rest) net.join(name, first as string);
  return net;
}

function tombstones(net: MembershipNetwork, name: string): string[] {
  return [...net.node(name).crdt.entries].filter(([, e]) => e.kind === 'removed').map(([n]) => n);
}

describe('full membership: join', () => {
  it('starts as a sorted singleton containing itself', () => {
    const net = new MembershipNetwork();
    net.add('b');
    expect(membersOf(net.node('b'))).toEqual(['b']);
    expect(net.take('b', 'membersChanged')).toEqual([
      { type: 'membersChanged', members: ['b'], added: [], updated: [], removed: [] },
    ]);
  });

  it('merges both sides and reports the join', () => {
    const net = new MembershipNetwork();
    net.add('b');
    net.add('a');
    net.take('a', 'membersChanged');
    net.join('b', 'a');
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
    expect(membersOf(net.node('b'))).toEqual(['a', 'b']);
    expect(net.take('b', 'joined')).toEqual([{ type: 'joined', peer: 'a' }]);
    const [changed] = net.take('a', 'membersChanged');
    expect(changed?.added.map((s) => s.name)).toEqual(['b']);
  });

  it('spreads a join to every member by gossip', () => {
    const net = cluster('a', 'b', 'c', 'd');
    for (const name of ['a', 'b', 'c', 'd']) {
      expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c', 'd']);
    }
  });

  it('refuses to join itself', () => {
    const net = new MembershipNetwork();
    net.add('a');
    expect(() => net.step('a', { type: 'join', peer: 'a' })).toThrow(JoinSelfError);
  });

  it('retries an unanswered join on tick', () => {
    const net = new MembershipNetwork();
    net.add('a');
    net.add('b');
    net.step('b', { type: 'join', peer: 'a' });
    net.queue = [];
    net.tickAll();
    expect(membersOf(net.node('b'))).toEqual(['a', 'b']);
  });

  it('keeps a node that joined through it while its own join was awaiting the reply', () => {
    // c is rejoining through a when x joins through c: adopting a's view must not drop x.
    const net = cluster('a', 'b');
    net.add('c');
    net.add('x');
    net.step('c', { type: 'join', peer: 'a' });
    net.step('x', { type: 'join', peer: 'c' });
    net.run();
    for (let i = 0; i < 3; i++) net.tickAll();
    for (const name of ['a', 'b', 'c', 'x']) {
      expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c', 'x']);
    }
  });

  it('ignores gossip from a node that is not a member', () => {
    const net = cluster('a', 'b');
    net.add('x');
    const before = snapshotOf(net.node('a'));
    net.step('a', {
      type: 'receive',
      from: 'x',
      msg: { type: 'gossip', state: snapshotOf(net.node('x')) },
    });
    expect(snapshotOf(net.node('a'))).toEqual(before);
  });

  it('ignores a join request whose spec names someone else', () => {
    const net = cluster('a');
    const effects = net.step('a', {
      type: 'receive',
      from: 'x',
      msg: { type: 'joinRequest', epoch: 0, incarnation: 5, spec: spec('y') },
    });
    expect(effects).toEqual([]);
    expect(membersOf(net.node('a'))).toEqual(['a']);
  });
});

describe('full membership: leave', () => {
  it('leave(): the others drop it and it resets to a singleton', () => {
    const net = cluster('a', 'b', 'c');
    const before = net.node('c').incarnation;
    net.take('c', 'reset');
    net.step('c', { type: 'leave' });
    const effects = net.effects.get('c') ?? [];
    const resetAt = effects.findIndex((e) => e.type === 'reset');
    const lastSend = effects.map((e) => e.type).lastIndexOf('send');
    expect(lastSend).toBeLessThan(resetAt);
    expect(effects[resetAt]).toEqual({ type: 'reset', reason: 'left', disconnect: ['a', 'b'] });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
    expect(membersOf(net.node('b'))).toEqual(['a', 'b']);
    expect(membersOf(net.node('c'))).toEqual(['c']);
    expect(net.node('c').incarnation).toBeGreaterThan(before);
  });

  it('issues whole-number incarnations from a clock with a fraction, as the wire requires', () => {
    // A refutation issued at a fractional time was rejected by every receiver's parser.
    const net = cluster('a', 'b', 'c');
    net.now += 0.25;
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    expect(Number.isSafeInteger(net.node('c').incarnation)).toBe(true);
    const incarnations = net
      .take('c', 'send')
      .flatMap((e) => (e.msg.type === 'joinRequest' ? [] : e.msg.state.entries))
      .map((entry) => entry.incarnation);
    expect(incarnations.length).toBeGreaterThan(0);
    expect(incarnations.filter((n) => !Number.isSafeInteger(n))).toEqual([]);
  });

  it('starts with a whole-number incarnation from a clock with a fraction', () => {
    const net = new MembershipNetwork();
    net.now = 1000.5;
    expect(Number.isSafeInteger(net.add('a').incarnation)).toBe(true);
  });

  it('leave(name) of a dead node removes it everywhere', () => {
    const net = cluster('a', 'b', 'c');
    net.unreachable.add('c');
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
    expect(membersOf(net.node('b'))).toEqual(['a', 'b']);
  });

  it('leave(name) of an alive node: it refutes with a new epoch and is a member again everywhere', () => {
    const net = cluster('a', 'b', 'c');
    const epoch = net.node('c').epoch;
    net.take('c', 'reset');
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    for (const name of ['a', 'b', 'c']) expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
    expect(net.take('c', 'refuted')).toEqual([
      { type: 'refuted', epoch: epoch + 1, incarnation: net.node('c').incarnation },
    ]);
    expect(net.take('c', 'reset')).toEqual([]);
  });

  it('remove of self is leave, remove of a stranger is an error', () => {
    const net = cluster('a', 'b');
    expect(() => net.step('a', { type: 'remove', name: 'zz' })).toThrow(UnknownMemberError);
    net.step('b', { type: 'remove', name: 'b' });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a']);
    expect(membersOf(net.node('b'))).toEqual(['b']);
  });

  it('a node that left ignores the gossip of its former cluster', () => {
    const net = cluster('a', 'b', 'c');
    net.step('c', { type: 'leave' });
    // a has not heard of the leave yet and gossips its old view to c.
    const oldView = snapshotOf(net.node('a'));
    net.run();
    net.step('c', { type: 'receive', from: 'a', msg: { type: 'gossip', state: oldView } });
    expect(membersOf(net.node('c'))).toEqual(['c']);
  });

  it('tells a removed node that still gossips, so it refutes and comes back', () => {
    const net = cluster('a', 'b', 'c');
    net.unreachable.add('c');
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
    net.unreachable.delete('c');
    expect(membersOf(net.node('c'))).toEqual(['a', 'b', 'c']);
    net.step('c', { type: 'timer', key: { type: 'periodic' } });
    net.run();
    for (const name of ['a', 'b', 'c']) expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
    expect(net.node('a').crdt.entries.get('c')?.epoch).toBe(1);
  });
});

describe('full membership: incarnations', () => {
  it('rejoins after leaving, its new incarnation beating the tombstone', () => {
    const net = cluster('a', 'b', 'c');
    net.step('c', { type: 'leave' });
    net.run();
    expect(tombstones(net, 'a')).toEqual(['c']);
    net.join('c', 'a');
    for (const name of ['a', 'b', 'c']) expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
  });

  it('rejoins even when the tombstone is above its clock (bumps and retries)', () => {
    const net = cluster('a', 'b', 'c');
    net.now = 1_000_000;
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    // c restarts from nothing with a clock far behind the removed incarnation.
    net.now = 10;
    net.nodes.delete('c');
    net.add('c');
    net.join('c', 'b');
    for (const name of ['a', 'b', 'c']) expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
    const entry = net.node('a').crdt.entries.get('c');
    expect(entry?.kind).toBe('alive');
  });

  it('replaces a stale own spec after a restart on a new port', () => {
    const net = cluster('a', 'b');
    const saved = snapshotOf(net.node('b'));
    const old = net.node('b').incarnation;
    net.take('a', 'membersChanged');
    net.nodes.delete('b');
    net.add('b', 9100, saved);
    net.run();
    expect(net.node('b').incarnation).toBeGreaterThan(old);
    expect(specOf(net.node('a'), 'b')?.listenAddrs).toEqual([{ host: '127.0.0.1', port: 9100 }]);
    const [changed] = net.take('a', 'membersChanged');
    expect(changed?.updated.map((s) => s.listenAddrs[0]?.port)).toEqual([9100]);
  });

  it('announces a spec change made while running', () => {
    const net = cluster('a', 'b');
    net.step('b', { type: 'updateSpec', spec: spec('b', 9200) });
    net.run();
    expect(specOf(net.node('a'), 'b')?.listenAddrs[0]?.port).toBe(9200);
    expect(() => net.step('b', { type: 'updateSpec', spec: spec('q') })).toThrow(
      SpecNameMismatchError,
    );
  });

  it('refutes a newer entry of its own name it did not issue', () => {
    const net = cluster('a', 'b');
    const forged = snapshotOf(net.node('a'));
    const mine = net.node('b').incarnation;
    const entries = forged.entries.map((e) =>
      e.name === 'b' && e.status === 'alive'
        ? { ...e, incarnation: mine + 5, spec: spec('b', 1) }
        : e,
    );
    net.step('b', {
      type: 'receive',
      from: 'a',
      msg: { type: 'gossip', state: { version: 1, entries } },
    });
    net.run();
    expect(net.node('b').incarnation).toBeGreaterThan(mine + 5);
    expect(specOf(net.node('a'), 'b')?.listenAddrs[0]?.port).toBe(9000);
  });

  it('a restored node that was removed while down starts as a singleton', () => {
    const net = cluster('a', 'b');
    const saved = toData(fromData(snapshotOf(net.node('a'))));
    const entries = saved.entries.map((e) =>
      e.name === 'a'
        ? { name: 'a', status: 'removed' as const, epoch: 0, incarnation: 1_000_000, acks: [] }
        : e,
    );
    net.nodes.delete('a');
    const state = net.add('a', 9000, { version: 1, entries });
    expect(membersOf(state)).toEqual(['a']);
    expect(state.epoch).toBe(1);
  });
});

describe('full membership: tombstone collection', () => {
  it('collects a tombstone once every member acknowledged it on the same view', () => {
    const net = cluster('a', 'b', 'c', 'd');
    // d is dead: an alive d would refute its removal and come back.
    net.unreachable.add('d');
    net.step('a', { type: 'remove', name: 'd' });
    net.run();
    for (const name of ['a', 'b', 'c']) expect(tombstones(net, name)).toEqual(['d']);
    for (let i = 0; i < 3; i++) net.tickAll();
    for (const name of ['a', 'b', 'c']) {
      expect(tombstones(net, name)).toEqual([]);
      expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
    }
  });

  it('merges a gossip that only adds tombstone acks without pushing it on', () => {
    const net = cluster('a', 'b', 'c', 'd');
    net.unreachable.add('d');
    net.step('a', { type: 'remove', name: 'd' });
    net.run();
    // c refreshes its ack of d's tombstone (as on a view change): news in acks only.
    const data = toData(net.node('c').crdt);
    const entries = data.entries.map((e) =>
      e.status === 'removed'
        ? { ...e, acks: e.acks.map((k) => (k.node === 'c' ? { ...k, version: k.version + 1 } : k)) }
        : e,
    );
    net.take('b', 'send');
    const effects = net.step('b', {
      type: 'receive',
      from: 'c',
      msg: { type: 'gossip', state: { ...data, entries } },
    });
    expect(effects.filter((e) => e.type === 'send')).toEqual([]);
    // ...and yet merged: b now holds c's newer ack.
    expect(toData(net.node('b').crdt).entries.find((e) => e.name === 'd')).toEqual(
      entries.find((e) => e.name === 'd'),
    );
  });

  it('keeps the tombstone while a member has not acknowledged it', () => {
    const net = cluster('a', 'b', 'c', 'd');
    net.unreachable.add('c');
    net.unreachable.add('d');
    net.step('a', { type: 'remove', name: 'd' });
    net.run();
    for (let i = 0; i < 3; i++) net.tickAll();
    expect(tombstones(net, 'a')).toEqual(['d']);
    expect(tombstones(net, 'b')).toEqual(['d']);
    net.unreachable.delete('c');
    for (let i = 0; i < 4; i++) net.tickAll();
    for (const name of ['a', 'b', 'c']) expect(tombstones(net, name)).toEqual([]);
  });

  it('does not resurrect: a stale member carrying the removed node is contained', () => {
    // c is partitioned away while d is removed; c keeps d alive in its view.
    const net = cluster('a', 'b', 'c', 'd');
    net.unreachable.add('c');
    net.unreachable.add('d');
    net.step('a', { type: 'remove', name: 'd' });
    net.run();
    // With c still a member, d's tombstone cannot be collected...
    for (let i = 0; i < 3; i++) net.tickAll();
    expect(tombstones(net, 'a')).toContain('d');
    // ...so the operator removes c too, and then both tombstones go.
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    for (let i = 0; i < 3; i++) net.tickAll();
    expect(tombstones(net, 'a')).toEqual([]);
    expect(tombstones(net, 'b')).toEqual([]);
    // c comes back still believing in a, b, c, d: its gossip is ignored...
    net.unreachable.delete('c');
    expect(membersOf(net.node('c'))).toEqual(['a', 'b', 'c', 'd']);
    net.step('c', { type: 'timer', key: { type: 'periodic' } });
    net.run();
    expect(membersOf(net.node('a'))).toEqual(['a', 'b']);
    // ...and an explicit rejoin brings back c alone, not d.
    net.join('c', 'a');
    for (let i = 0; i < 3; i++) net.tickAll();
    for (const name of ['a', 'b', 'c']) expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c']);
  });

  it('does not resurrect through a joiner admitted by a contact that lagged', () => {
    const net = cluster('a', 'b', 'c', 'd');
    // b misses the removal of d (dead) for a while and admits x meanwhile.
    net.unreachable.add('d');
    net.unreachable.add('b');
    net.step('a', { type: 'remove', name: 'd' });
    net.run();
    net.unreachable.delete('b');
    net.add('x');
    net.join('x', 'b');
    for (let i = 0; i < 5; i++) net.tickAll();
    for (const name of ['a', 'b', 'c', 'x']) {
      expect(membersOf(net.node(name))).toEqual(['a', 'b', 'c', 'x']);
      expect(tombstones(net, name)).toEqual([]);
    }
  });
});

describe('full membership: serialisation and options', () => {
  it('round-trips through JSON', () => {
    const net = cluster('a', 'b', 'c');
    net.step('a', { type: 'remove', name: 'c' });
    net.run();
    const data = snapshotOf(net.node('a'));
    expect(toData(fromData(JSON.parse(JSON.stringify(data))))).toEqual(data);
  });

  it('rejects malformed state with a typed error and leaves the state alone', () => {
    const net = cluster('a', 'b');
    const before = snapshotOf(net.node('a'));
    const bad = { version: 1, entries: [{ name: 'b', status: 'alive', incarnation: -1 }] };
    expect(() =>
      stepFullMembership(
        net.node('a'),
        { type: 'receive', from: 'b', msg: { type: 'gossip', state: bad as never } },
        { now: 5 },
      ),
    ).toThrow(MembershipDecodeError);
    expect(snapshotOf(net.node('a'))).toEqual(before);
    expect(() => fromData({ version: 2, entries: [] })).toThrow(MembershipDecodeError);
    expect(() => fromData(null)).toThrow(MembershipDecodeError);
    const misnamed = {
      version: 1,
      entries: [{ name: 'b', status: 'alive', epoch: 0, incarnation: 1, spec: spec('c') }],
    };
    expect(() => fromData(misnamed)).toThrow(MembershipDecodeError);
  });

  it('validates options', () => {
    expect(fullMembershipOptions().periodicInterval).toBe(10_000);
    expect(() => fullMembershipOptions({ periodicInterval: 0 })).toThrow(InvalidOptionsError);
  });
});

describe('full membership: periodic gossip fanout', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  function formed(fanout: number): MembershipNetwork {
    const net = new MembershipNetwork();
    net.options = { periodicFanout: fanout };
    for (const name of names) net.add(name);
    for (const name of names.slice(1)) net.join(name, 'a');
    net.run();
    return net;
  }
  const gossipTargets = (effects: ReturnType<MembershipNetwork['step']>) =>
    effects.flatMap((e) => (e.type === 'send' && e.msg.type === 'gossip' ? [e.to] : []));

  it('sends each periodic round to at most the fanout of members', () => {
    const net = formed(2);
    const effects = net.step('a', { type: 'timer', key: { type: 'periodic' } });
    expect(gossipTargets(effects)).toHaveLength(2);
  });

  it('reaches every member in turn over as many rounds as it takes', () => {
    const net = formed(2);
    const reached = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const effects = net.step('a', { type: 'timer', key: { type: 'periodic' } });
      for (const to of gossipTargets(effects)) reached.add(to);
    }
    expect([...reached].sort()).toEqual(names.filter((n) => n !== 'a'));
  });

  it('gossips to every member each round by default, as Partisan', () => {
    expect(fullMembershipOptions().periodicFanout).toBe(Number.POSITIVE_INFINITY);
    const net = formed(Number.POSITIVE_INFINITY);
    const effects = net.step('a', { type: 'timer', key: { type: 'periodic' } });
    expect(gossipTargets(effects).sort()).toEqual(names.filter((n) => n !== 'a'));
  });

  it('refuses a fanout that is not a positive integer', () => {
    expect(() => fullMembershipOptions({ periodicFanout: 0 })).toThrow(InvalidOptionsError);
    expect(() => fullMembershipOptions({ periodicFanout: 1.5 })).toThrow(InvalidOptionsError);
  });
});
