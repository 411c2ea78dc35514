import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createPlumtreeState,
  getPeers,
  InvalidInitialSetsError,
  initialSets,
} from '../../src/broadcast/core/index.js';
import { seededRng } from '../../src/util/rng.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

describe('documented initial sets', () => {
  it('a singleton has no eager and no lazy peers', () => {
    expect(initialSets('n0', names(1), 'documented', seededRng(1))).toEqual({
      eagers: [],
      lazys: [],
    });
  });

  it('with two members each is the other one eager peer and nobody is lazy', () => {
    expect(initialSets('n0', names(2), 'documented', seededRng(1))).toEqual({
      eagers: ['n1'],
      lazys: [],
    });
    expect(initialSets('n1', names(2), 'documented', seededRng(1))).toEqual({
      eagers: ['n0'],
      lazys: [],
    });
  });

  it('with four members each node has one eager and one lazy peer', () => {
    for (const node of names(4)) {
      const { eagers, lazys } = initialSets(node, names(4), 'documented', seededRng(7));
      expect([eagers.length, lazys.length]).toEqual([1, 1]);
      expect([...eagers, ...lazys]).not.toContain(node);
      expect(eagers).not.toContain(lazys[0]);
    }
  });

  it('with six members each node has two eager and one lazy peer', () => {
    for (const node of names(6)) {
      const { eagers, lazys } = initialSets(node, names(6), 'documented', seededRng(7));
      expect([eagers.length, lazys.length]).toEqual([2, 1]);
      expect(new Set([...eagers, ...lazys, node]).size).toBe(4);
    }
  });

  it('the random mode keeps the same counts', () => {
    const { eagers, lazys } = initialSets('n0', names(6), 'random', seededRng(3));
    expect([eagers.length, lazys.length]).toEqual([2, 1]);
  });

  it('the all-eager mode makes every other member eager', () => {
    expect(initialSets('n2', names(4), 'allEager', seededRng(1))).toEqual({
      eagers: ['n0', 'n1', 'n3'],
      lazys: [],
    });
  });

  it('the documented mode makes every node some other node peer, so the overlay is connected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.integer(), (n, seed) => {
        const rng = seededRng(seed);
        const chosen = new Set<string>();
        for (const node of names(n)) {
          const { eagers, lazys } = initialSets(node, names(n), 'documented', rng);
          for (const p of [...eagers, ...lazys]) chosen.add(p);
        }
        expect(chosen.size).toBe(n);
      }),
    );
  });
});

describe('explicit initial sets', () => {
  const base = { node: 'a', members: ['a', 'b', 'c', 'd'], handlers: [], rng: seededRng(1) };

  it('are used as the common sets of every tree', () => {
    const s = createPlumtreeState({ ...base, eagers: ['b'], lazys: ['c', 'd'] });
    expect(getPeers(s, 'x')).toEqual({ eagers: ['b'], lazys: ['c', 'd'] });
  });

  const refused: [string, { eagers: string[]; lazys: string[]; members?: string[] }, string][] = [
    ['a peer that is not a member', { eagers: ['z'], lazys: [] }, 'notMember'],
    ['a peer in both sets', { eagers: ['b'], lazys: ['b'] }, 'overlap'],
    ['the node itself', { eagers: ['a'], lazys: [] }, 'containsSelf'],
    [
      'lazys with fewer than 3 members',
      { eagers: [], lazys: ['b'], members: ['a', 'b'] },
      'lazysWithFewMembers',
    ],
  ];
  it.each(refused)('refuse %s', (_, spec, reason) => {
    const attempt = () =>
      createPlumtreeState({ ...base, ...spec, members: spec.members ?? base.members });
    expect(attempt).toThrow(InvalidInitialSetsError);
    try {
      attempt();
    } catch (e) {
      expect((e as InvalidInitialSetsError).reason).toBe(reason);
    }
  });

  it('refuse eagers without lazys', () => {
    expect(() => createPlumtreeState({ ...base, eagers: ['b'] })).toThrow(/incomplete/);
  });
});
