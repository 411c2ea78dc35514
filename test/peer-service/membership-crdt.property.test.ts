import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aliveEntry,
  cloneCrdt,
  crdtEquals,
  emptyCrdt,
  fromData,
  leq,
  type MembershipCrdt,
  type MembershipEntry,
  type MembershipStateData,
  membersOf,
  mergeInto,
  removedEntry,
  toData,
} from '../../src/peer-service/core/index.js';
import { seededRng, shuffled } from '../../src/util/rng.js';
import { MembershipNetwork, spec } from './membership-network.js';

const names = ['a', 'b', 'c', 'd'];

type Ack = { epoch: number; incarnation: number; version: number; view: string };

const ackArb: fc.Arbitrary<Ack> = fc.record({
  epoch: fc.nat(1),
  incarnation: fc.nat(2),
  version: fc.nat(2),
  view: fc.constantFrom('x', 'y'),
});

/** One name's entry, described as data and built through the lattice's own constructors. */
const entryArb = fc.oneof(
  fc.record({
    kind: fc.constant('alive' as const),
    epoch: fc.nat(2),
    incarnation: fc.nat(3),
    port: fc.constantFrom(1, 2),
  }),
  fc.record({
    kind: fc.constant('removed' as const),
    epoch: fc.nat(2),
    incarnation: fc.nat(3),
    acks: fc.array(fc.tuple(fc.constantFrom(...names), ackArb), { maxLength: 4 }),
  }),
);

function build(name: string, e: typeof entryArb extends fc.Arbitrary<infer T> ? T : never) {
  if (e.kind === 'alive') return aliveEntry(spec(name, e.port), e.epoch, e.incarnation);
  const entry = removedEntry(e.epoch, e.incarnation);
  for (const [node, ack] of e.acks) {
    const single = removedEntry(e.epoch, e.incarnation);
    single.acks.set(node, ack);
    const target = { entries: new Map<string, MembershipEntry>([[name, entry]]) };
    mergeInto(target, { entries: new Map([[name, single]]) });
  }
  return entry;
}

const crdtArb: fc.Arbitrary<MembershipCrdt> = fc
  .array(fc.tuple(fc.constantFrom(...names), entryArb), { maxLength: 6 })
  .map((pairs) => {
    const crdt = emptyCrdt();
    for (const [name, e] of pairs) mergeInto(crdt, { entries: new Map([[name, build(name, e)]]) });
    return crdt;
  });

function merged(...states: MembershipCrdt[]): MembershipCrdt {
  const out = emptyCrdt();
  for (const s of states) mergeInto(out, s);
  return out;
}

describe('membership lattice', () => {
  it('merge is commutative', () => {
    fc.assert(
      fc.property(crdtArb, crdtArb, (a, b) => {
        expect(toData(merged(a, b))).toEqual(toData(merged(b, a)));
      }),
    );
  });

  it('merge is associative', () => {
    fc.assert(
      fc.property(crdtArb, crdtArb, crdtArb, (a, b, c) => {
        expect(toData(merged(merged(a, b), c))).toEqual(toData(merged(a, merged(b, c))));
      }),
    );
  });

  it('merge is idempotent and reports no change on a repeat', () => {
    fc.assert(
      fc.property(crdtArb, crdtArb, (a, b) => {
        const once = merged(a, b);
        const twice = cloneCrdt(once);
        expect(mergeInto(twice, b)).toBe(false);
        expect(mergeInto(twice, twice)).toBe(false);
        expect(crdtEquals(once, twice)).toBe(true);
      }),
    );
  });

  it('merge is the least upper bound, and does not alias its source', () => {
    fc.assert(
      fc.property(crdtArb, crdtArb, (a, b) => {
        const before = toData(b);
        const m = merged(a, b);
        expect(leq(a, m) && leq(b, m)).toBe(true);
        mergeInto(m, a);
        for (const entry of m.entries.values()) {
          if (entry.kind === 'removed')
            entry.acks.set('zz', { epoch: 9, incarnation: 9, version: 9, view: 'z' });
        }
        expect(toData(b)).toEqual(before);
      }),
    );
  });

  it('serialises losslessly', () => {
    fc.assert(
      fc.property(crdtArb, (a) => {
        expect(crdtEquals(fromData(JSON.parse(JSON.stringify(toData(a)))), a)).toBe(true);
      }),
    );
  });
});

type Op =
  | { kind: 'join'; node: number; contact: number }
  | { kind: 'leave'; node: number }
  | { kind: 'remove'; node: number; target: number }
  | { kind: 'respec'; node: number; port: number };

const nodeCount = 5;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('join' as const),
      node: fc.nat(nodeCount - 1),
      contact: fc.nat(nodeCount - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('leave' as const), node: fc.nat(nodeCount - 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('remove' as const),
      node: fc.nat(nodeCount - 1),
      target: fc.nat(nodeCount - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('respec' as const),
      node: fc.nat(nodeCount - 1),
      port: fc.nat(3),
    }),
  },
);

/** Runs a history with messages delivered in a seeded random order, partly between operations. */
function runHistory(ops: Op[], seed: number): MembershipNetwork {
  const net = new MembershipNetwork();
  const order = seededRng(seed);
  const name = (i: number) => `n${i}`;
  for (let i = 0; i < nodeCount; i++) net.add(name(i));
  for (const op of ops) {
    const self = name(op.node);
    switch (op.kind) {
      case 'join':
        if (op.node !== op.contact) net.step(self, { type: 'join', peer: name(op.contact) });
        break;
      case 'leave':
        net.step(self, { type: 'leave' });
        break;
      case 'remove':
        if (membersOf(net.node(self)).includes(name(op.target))) {
          net.step(self, { type: 'remove', name: name(op.target) });
        }
        break;
      case 'respec':
        net.step(self, { type: 'updateSpec', spec: spec(self, 9000 + op.port) });
        break;
      default: {
        const unknown: never = op;
        throw new Error(`bad op ${JSON.stringify(unknown)}`);
      }
    }
    // Deliver some of what is in flight, in a random order; the rest stays queued.
    const keep = net.queue.length > 0 ? Math.floor(order.next() * net.queue.length) : 0;
    const held = net.queue.splice(0, keep);
    net.run(order);
    net.queue = held;
  }
  net.run(order);
  return net;
}

describe('membership convergence', () => {
  it('replicas that merged the same updates, in any order, hold the same state', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.integer(),
        fc.integer(),
        (ops, seed, shuffleSeed) => {
          const updates: MembershipStateData[] = runHistory(ops, seed).wire;
          const rng = seededRng(shuffleSeed);
          const replicaA = emptyCrdt();
          const replicaB = emptyCrdt();
          for (const u of shuffled(rng, updates)) mergeInto(replicaA, fromData(u));
          // B sees every update at least once, some twice, in another order.
          const withRepeats = [...updates, ...updates.filter(() => rng.next() < 0.3)];
          for (const u of shuffled(rng, withRepeats)) mergeInto(replicaB, fromData(u));
          expect(toData(replicaA)).toEqual(toData(replicaB));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('nodes that count each other as members agree on every entry once messages quiesce', () => {
    // Tombstone acks are not pushed on their own (they travel with the periodic
    // gossip), so the agreement at quiescence is on entries: lives and tombstones.
    const entries = (crdt: Parameters<typeof toData>[0]) =>
      toData(crdt).entries.map((e) => (e.status === 'removed' ? { ...e, acks: [] } : e));
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.integer(), (ops, seed) => {
        const net = runHistory(ops, seed);
        for (const [a, state] of net.nodes) {
          for (const b of membersOf(state)) {
            if (b === a || !membersOf(net.node(b)).includes(a)) continue;
            expect(entries(net.node(b).crdt)).toEqual(entries(state.crdt));
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
