import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyWrite,
  hashObject,
  isTombstone,
  lastWriterWins,
  liveValues,
  type MetadataObject,
  mergeObjects,
  parseObject,
} from '../../../src/handlers/metadata/object.js';
import { descends } from '../../../src/handlers/metadata/version-vector.js';

const put = (
  o: MetadataObject | undefined,
  actor: string,
  value: unknown,
  ts = 1,
  ctx?: MetadataObject,
) => applyWrite(o, actor, { kind: 'value', value }, ts, ctx?.clock).object;

describe('objects with dotted version vectors', () => {
  it('a write that has seen the current siblings replaces them', () => {
    const one = put(undefined, 'a', 1);
    const two = put(one, 'b', 2);
    expect(liveValues(two)).toEqual([2]);
    expect(descends(two.clock, one.clock)).toBe(true);
  });

  it('concurrent writes become siblings on merge, and a later write collapses them', () => {
    const base = put(undefined, 'a', 'base');
    const left = put(base, 'a', 'left');
    const right = put(base, 'b', 'right');
    const merged = mergeObjects(left, right);
    expect(liveValues(merged).sort()).toEqual(['left', 'right']);
    const resolved = put(merged, 'c', 'both');
    expect(liveValues(resolved)).toEqual(['both']);
    expect(liveValues(mergeObjects(resolved, left))).toEqual(['both']);
  });

  it('a write with an old context keeps the siblings it had not seen', () => {
    const base = put(undefined, 'a', 'base');
    const newer = put(base, 'b', 'newer');
    // A client that read `base` writes against it on a replica already holding `newer`.
    const stale = put(newer, 'c', 'from-old-read', 1, base);
    expect(liveValues(stale).sort()).toEqual(['from-old-read', 'newer']);
  });

  it('a delete is a tombstone that merges like any write', () => {
    const v = put(undefined, 'a', 1);
    const gone = applyWrite(v, 'a', { kind: 'tombstone' }, 2).object;
    expect(isTombstone(gone)).toBe(true);
    expect(isTombstone(mergeObjects(v, gone))).toBe(true);
    const concurrentPut = put(v, 'b', 2);
    const both = mergeObjects(gone, concurrentPut);
    expect(isTombstone(both)).toBe(false);
    expect(both.siblings.map((s) => s.kind).sort()).toEqual(['tombstone', 'value']);
  });

  it('last writer wins picks the latest timestamp, ties broken by dot', () => {
    const base = put(undefined, 'a', 'base', 1);
    const merged = mergeObjects(put(base, 'a', 'early', 5), put(base, 'b', 'late', 9));
    expect(lastWriterWins(merged.siblings)).toMatchObject({ value: 'late' });
    const tie = mergeObjects(put(base, 'a', 'x', 5), put(base, 'b', 'y', 5));
    expect(lastWriterWins(tie.siblings)).toMatchObject({ value: 'y' });
    expect(lastWriterWins([...tie.siblings].reverse())).toMatchObject({ value: 'y' });
  });

  it('parseObject refuses objects that break the invariants', () => {
    const ok = put(undefined, 'a', 1);
    expect(parseObject(JSON.parse(JSON.stringify(ok)))).toEqual(ok);
    expect(() => parseObject({ clock: [], siblings: ok.siblings })).toThrow(/cover/);
    expect(() => parseObject({ clock: ok.clock, siblings: [] })).toThrow(/non-empty/);
    expect(() =>
      parseObject({ clock: ok.clock, siblings: [{ ...ok.siblings[0], kind: 'x' }] }),
    ).toThrow(expect.objectContaining({ name: 'MalformedDataError' }));
  });

  it('merge is commutative, associative and idempotent over replicas built by random histories', () => {
    // Each step writes on one of three replicas or merges one replica into another.
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('write' as const),
        at: fc.nat(2),
        value: fc.nat(9),
        del: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('merge' as const), from: fc.nat(2), to: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const replicas: (MetadataObject | undefined)[] = [undefined, undefined, undefined];
        let ts = 0;
        for (const s of steps) {
          if (s.kind === 'write') {
            const write = s.del
              ? ({ kind: 'tombstone' } as const)
              : ({ kind: 'value', value: s.value } as const);
            replicas[s.at] = applyWrite(replicas[s.at], `r${s.at}`, write, ++ts).object;
          } else {
            const from = replicas[s.from];
            const to = replicas[s.to];
            if (from !== undefined)
              replicas[s.to] = to === undefined ? from : mergeObjects(to, from);
          }
        }
        const [a, b, c] = replicas;
        if (a === undefined || b === undefined || c === undefined) return;
        const h = hashObject;
        expect(h(mergeObjects(a, b))).toBe(h(mergeObjects(b, a)));
        expect(h(mergeObjects(mergeObjects(a, b), c))).toBe(h(mergeObjects(a, mergeObjects(b, c))));
        expect(h(mergeObjects(a, a))).toBe(h(a));
        const ab = mergeObjects(a, b);
        expect(descends(ab.clock, a.clock) && descends(ab.clock, b.clock)).toBe(true);
        expect(ab.siblings.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
