import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dot, VersionVector } from '../../../src/handlers/metadata/index.js';
import { coversDot } from '../../../src/handlers/metadata/version-vector.js';
import { Cluster } from './cluster-harness.js';

const NODES = ['a', 'b', 'c', 'd'] as const;
const P = ['app', 'kv'] as const;

type Command =
  | { readonly kind: 'put'; readonly node: number; readonly key: number; readonly value: number }
  | { readonly kind: 'delete'; readonly node: number; readonly key: number }
  | { readonly kind: 'partition'; readonly sides: readonly number[] }
  | { readonly kind: 'heal' }
  | { readonly kind: 'exchange'; readonly from: number; readonly to: number }
  | { readonly kind: 'settle' }
  | { readonly kind: 'tick'; readonly ms: number };

const node = fc.nat(NODES.length - 1);
const key = fc.nat(4);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('put' as const), node, key, value: fc.nat(99) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), node, key }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('partition' as const),
      sides: fc.array(fc.nat(1), { minLength: NODES.length, maxLength: NODES.length }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'heal' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('exchange' as const), from: node, to: node }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'settle' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 1, max: 50 }),
    }),
  },
);

/** Keys found collected at the end of a scenario, over all runs: the GC path did run. */
let collectedKeys = 0;

interface Ack {
  readonly key: string;
  readonly dot: Dot;
  readonly deleteContext: VersionVector | undefined;
}

async function runScenario(
  commands: readonly Command[],
  collectTombstones: boolean,
): Promise<void> {
  const cluster = await Cluster.start({ nodes: NODES, collectTombstones });
  try {
    const acks: Ack[] = [];
    for (const c of commands) {
      switch (c.kind) {
        case 'put': {
          const k = `k${c.key}`;
          const { dot } = await cluster.store(NODES[c.node] as string).put(P, k, c.value);
          acks.push({ key: k, dot, deleteContext: undefined });
          break;
        }
        case 'delete': {
          const k = `k${c.key}`;
          const { dot, context } = await cluster.store(NODES[c.node] as string).delete(P, k);
          acks.push({ key: k, dot, deleteContext: context });
          break;
        }
        case 'partition': {
          const left = NODES.filter((_, i) => c.sides[i] === 0);
          const right = NODES.filter((_, i) => c.sides[i] !== 0);
          cluster.partition(left, right);
          break;
        }
        case 'heal':
          cluster.heal();
          break;
        case 'exchange':
          if (c.from !== c.to)
            await cluster.exchange(NODES[c.from] as string, NODES[c.to] as string);
          break;
        case 'settle':
          await cluster.settle();
          break;
        case 'tick':
          cluster.clock.advance(c.ms);
          break;
        default: {
          const unreachable: never = c;
          throw new Error(`unknown command ${String(unreachable)}`);
        }
      }
    }
    cluster.heal();
    await cluster.settle();
    for (let round = 0; round < 6 && (round === 0 || !cluster.converged()); round++) {
      await cluster.exchangeAll();
      await cluster.settle();
    }
    expect(cluster.converged()).toBe(true);
    const store = cluster.store('a');
    for (const ack of acks) {
      const object = store.object(P, ack.key);
      if (object === undefined) {
        // Only a collected tombstone may make a key disappear, and only one written
        // after (causally) this write.
        expect(collectTombstones).toBe(true);
        const deletedLater = acks.some(
          (d) =>
            d.key === ack.key &&
            d.deleteContext !== undefined &&
            coversDot(d.deleteContext, ack.dot),
        );
        expect(deletedLater).toBe(true);
        collectedKeys++;
      } else {
        // Present as a sibling, or superseded by a write that had seen it.
        expect(coversDot(object.clock, ack.dot)).toBe(true);
      }
    }
  } finally {
    await cluster.close();
  }
}

describe('metadata cluster under random writes, partitions and heals', () => {
  it('converges, and keeps or causally supersedes every acknowledged write', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) =>
        runScenario(commands, false),
      ),
      { numRuns: 150 },
    );
  });

  it('does the same while collecting tombstones, and never resurrects a deleted key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) =>
        runScenario(commands, true),
      ),
      { numRuns: 150 },
    );
    expect(collectedKeys).toBeGreaterThan(0);
  });
});
