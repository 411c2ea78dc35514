import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTree, EMPTY_HASH, SegmentTree } from '../../../src/handlers/metadata/merkle-tree.js';

const shape = { segments: 16, groupSize: 4 };

describe('segment hash tree', () => {
  it('is empty with no entries, and back to empty when every entry is removed', () => {
    const tree = new SegmentTree(shape);
    expect(tree.rootHash()).toBe(EMPTY_HASH);
    tree.update('k', undefined, 'h1'.padEnd(32, '0'));
    expect(tree.rootHash()).not.toBe(EMPTY_HASH);
    tree.update('k', 'h1'.padEnd(32, '0'), undefined);
    expect(tree.rootHash()).toBe(EMPTY_HASH);
  });

  it('changes only the segment and group of the key that changed', () => {
    const tree = buildTree(
      [
        ['a', 'x'.repeat(32)],
        ['b', 'y'.repeat(32)],
      ],
      shape,
    );
    const groups = tree.groupHashes();
    const segments = Array.from({ length: shape.segments }, (_, s) => tree.segmentHash(s));
    tree.update('a', 'x'.repeat(32), 'z'.repeat(32));
    const seg = tree.segmentOf('a');
    for (let s = 0; s < shape.segments; s++) {
      expect(tree.segmentHash(s) === segments[s]).toBe(s !== seg);
    }
    const after = tree.groupHashes();
    for (let g = 0; g < groups.length; g++)
      expect(after[g] === groups[g]).toBe(g !== tree.groupOf(seg));
  });

  it('refuses a group size that does not divide the segments', () => {
    expect(() => new SegmentTree({ segments: 10, groupSize: 4 })).toThrow(
      expect.objectContaining({ name: 'InvalidMetadataOptionError' }),
    );
  });

  it('incremental updates equal a rebuild from the final entries', () => {
    const op = fc.tuple(
      fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6'),
      fc.option(fc.nat(5), { nil: undefined }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const tree = new SegmentTree(shape);
        const state = new Map<string, string>();
        for (const [key, v] of ops) {
          const after = v === undefined ? undefined : `${v}`.padEnd(32, 'f');
          tree.update(key, state.get(key), after);
          if (after === undefined) state.delete(key);
          else state.set(key, after);
        }
        const rebuilt = buildTree(state, shape);
        expect(tree.rootHash()).toBe(rebuilt.rootHash());
        expect(tree.groupHashes()).toEqual(rebuilt.groupHashes());
        for (let s = 0; s < shape.segments; s++)
          expect(tree.segmentHash(s)).toBe(rebuilt.segmentHash(s));
      }),
      { numRuns: 200 },
    );
  });
});
