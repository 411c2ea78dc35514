import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EagerLazySets } from '../../src/broadcast/core/index.js';

describe('EagerLazySets', () => {
  it('drops the oldest tree but the template beyond maxTrees', () => {
    const sets = new EagerLazySets('a', ['b'], ['c'], 'learned', 2);
    sets.addLazy('r1', 'b');
    sets.addLazy('r2', 'b');
    sets.addLazy('r3', 'b');
    expect([...sets.roots()]).toEqual(['r1', 'r3']);
  });

  it('drops the least recently used tree beyond maxTrees, not the oldest', () => {
    const sets = new EagerLazySets('a', ['b', 'c'], ['d'], 'learned', 3);
    sets.addLazy('r1', 'b');
    sets.addLazy('r2', 'c');
    sets.addEager('r3', 'b');
    sets.peers('r2');
    sets.addEager('r4', 'd');
    expect([...sets.roots()].sort()).toEqual(['r1', 'r2', 'r4']);
  });

  it('drops a tree that is a plain copy of the seed before a shaped one', () => {
    const sets = new EagerLazySets('a', ['b', 'c'], ['d'], 'learned', 3);
    sets.addLazy('r1', 'b');
    sets.addLazy('r2', 'c');
    sets.peers('r3');
    sets.peers('r3');
    sets.addEager('r4', 'd');
    expect([...sets.roots()].sort()).toEqual(['r1', 'r2', 'r4']);
  });

  it('lets a tree take its own shape only when that pushes no other shaped tree out', () => {
    const sets = new EagerLazySets('a', ['b', 'c'], ['d'], 'learned', 2);
    sets.addLazy('r1', 'b');
    expect(sets.mayShape('r2')).toBe(true);
    sets.addLazy('r2', 'c');
    expect(sets.mayShape('r2')).toBe(true);
    expect(sets.mayShape('r3')).toBe(false);
  });

  it('link makes a peer eager wherever it is not linked, and leaves lazy links alone', () => {
    const sets = new EagerLazySets('a', ['b'], ['c'], 'common');
    sets.addLazy('r1', 'b');
    expect(sets.link('d')).toBe(true);
    expect(sets.link('d')).toBe(false);
    expect([...sets.commonEagers].sort()).toEqual(['b', 'd']);
    expect([...sets.peersView('r1').eagers]).toEqual(['d']);
    expect(sets.link('b')).toBe(false);
  });

  it('an evicted root starts again from the template', () => {
    const sets = new EagerLazySets('a', ['b', 'c'], [], 'learned', 2);
    sets.addLazy('r1', 'c');
    sets.addEager('r2', 'c');
    sets.addLazy('r3', 'b');
    expect([...sets.peersView('r2').eagers]).toEqual(['b']);
  });

  it('never puts the node itself in a set', () => {
    const sets = new EagerLazySets('a', ['a', 'b'], ['a'], 'common');
    sets.addEager('r', 'a');
    sets.addLazy('r', 'a');
    sets.addMember('a', true);
    expect([...sets.commonEagers, ...sets.commonLazys]).toEqual(['b']);
    expect([...sets.peers('r').eagers, ...sets.peers('r').lazys]).toEqual(['b']);
  });

  it('keeps eager and lazy disjoint and never loses a common link under any operations', () => {
    const peer = fc.constantFrom('b', 'c', 'd', 'e');
    const root = fc.constantFrom('r1', 'r2', 'r3');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('eager' as const), root, peer }),
      fc.record({ kind: fc.constant('lazy' as const), root, peer }),
      fc.record({ kind: fc.constant('join' as const), peer, keep: fc.boolean() }),
      fc.record({ kind: fc.constant('leave' as const), peer }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('learned', 'common'),
        fc.array(op, { maxLength: 40 }),
        (seed, ops) => {
          const sets = new EagerLazySets('a', ['b'], ['c'], seed, 2);
          for (const o of ops) {
            if (o.kind === 'eager') sets.addEager(o.root, o.peer);
            else if (o.kind === 'lazy') sets.addLazy(o.root, o.peer);
            else if (o.kind === 'join') {
              sets.addMember(o.peer, o.keep);
              if (!o.keep) sets.resetTrees();
            } else sets.removeMember(o.peer);
            const common = new Set([...sets.commonEagers, ...sets.commonLazys]);
            for (const r of ['r1', 'r2', 'r3', 'r4']) {
              const { eagers, lazys } = sets.peersView(r);
              for (const p of eagers) expect(lazys.has(p)).toBe(false);
              for (const p of common) expect(eagers.has(p) || lazys.has(p)).toBe(true);
            }
          }
        },
      ),
    );
  });
});
