import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChannelTable } from '../../src/channels/channel-table.js';
import { QueueFullError } from '../../src/channels/errors.js';
import { DEFAULT_MAX_QUEUE_BYTES, OutgoingQueue } from '../../src/channels/outgoing-queue.js';
import { laneForKey } from '../../src/channels/partition.js';

const table: ChannelTable = {
  default: { parallelism: 1, monotonic: false },
  membership: { parallelism: 1, monotonic: false },
  gossip: { parallelism: 4, monotonic: false },
  state: { parallelism: 2, monotonic: true },
  flags: { parallelism: 1, monotonic: true },
};

/** A frame of `size` bytes whose content names it, so tests can tell frames apart. */
function bytes(label: string, size = 10): Uint8Array {
  const out = Buffer.alloc(size, 0x20);
  out.write(label.slice(0, size));
  return out;
}

const label = (b: Uint8Array): string => Buffer.from(b).toString().trim();

function drain(queue: OutgoingQueue, channel: string, lane: number): string[] {
  const out: string[] = [];
  for (let f = queue.shift(channel, lane); f !== undefined; f = queue.shift(channel, lane)) {
    out.push(label(f.bytes));
  }
  return out;
}

describe('OutgoingQueue basics', () => {
  it('defaults to a 64 MiB bound', () => {
    expect(new OutgoingQueue({ channels: table }).maxBytes).toBe(DEFAULT_MAX_QUEUE_BYTES);
    expect(DEFAULT_MAX_QUEUE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('hands frames of one lane back in push order', () => {
    const queue = new OutgoingQueue({ channels: table });
    for (const name of ['m1', 'm2', 'm3']) queue.push({ channel: 'default', bytes: bytes(name) });
    expect(drain(queue, 'default', 0)).toEqual(['m1', 'm2', 'm3']);
  });

  it('counts queued bytes and frames', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'default', bytes: bytes('a', 7) });
    queue.push({ channel: 'gossip', bytes: bytes('b', 5) });
    expect(queue.bytes).toBe(12);
    expect(queue.length).toBe(2);
    queue.shift('default', 0);
    expect(queue.bytes).toBe(5);
    expect(queue.length).toBe(1);
  });

  it('sends a message on an unknown channel over the default channel', () => {
    const queue = new OutgoingQueue({ channels: table });
    const receipt = queue.push({ channel: 'nope', bytes: bytes('x') });
    expect(receipt).toEqual({ channel: 'default', lane: 0, replaced: false });
    expect(drain(queue, 'default', 0)).toEqual(['x']);
  });

  it('peeks without removing', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'default', bytes: bytes('x') });
    expect(label(queue.peek('default', 0)?.bytes ?? new Uint8Array())).toBe('x');
    expect(queue.length).toBe(1);
  });

  it('returns nothing from an empty or unknown lane', () => {
    const queue = new OutgoingQueue({ channels: table });
    expect(queue.shift('default', 0)).toBeUndefined();
    expect(queue.shift('gossip', 99)).toBeUndefined();
    expect(queue.peek('nope', 0)).toBeUndefined();
  });

  it('lists the lanes that have frames waiting', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'gossip', bytes: bytes('a'), partitionKey: 2 });
    queue.push({ channel: 'default', bytes: bytes('b') });
    expect(queue.pendingLanes()).toEqual([
      { channel: 'default', lane: 0 },
      { channel: 'gossip', lane: 2 },
    ]);
  });

  it('requires the default channel in its table', () => {
    expect(
      () => new OutgoingQueue({ channels: { gossip: { parallelism: 1, monotonic: false } } }),
    ).toThrow(RangeError);
  });

  it('requires a positive integer bound', () => {
    expect(() => new OutgoingQueue({ channels: table, maxBytes: 0 })).toThrow(RangeError);
    expect(() => new OutgoingQueue({ channels: table, maxBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('OutgoingQueue byte bound', () => {
  it('accepts a push that fills the queue exactly to the bound', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 30 });
    queue.push({ channel: 'default', bytes: bytes('a', 20) });
    queue.push({ channel: 'default', bytes: bytes('b', 10) });
    expect(queue.bytes).toBe(30);
  });

  it('refuses a push beyond the bound with a QueueFullError carrying the sizes', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 30 });
    queue.push({ channel: 'default', bytes: bytes('a', 25) });
    let caught: unknown;
    try {
      queue.push({ channel: 'gossip', bytes: bytes('b', 6) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QueueFullError);
    const error = caught as QueueFullError;
    expect(error.name).toBe('QueueFullError');
    expect(error).toMatchObject({
      channel: 'gossip',
      maxBytes: 30,
      queuedBytes: 25,
      frameBytes: 6,
    });
  });

  it('leaves the queue unchanged and counts the refusal', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 30 });
    queue.push({ channel: 'default', bytes: bytes('a', 25) });
    expect(() => queue.push({ channel: 'default', bytes: bytes('b', 6) })).toThrow(QueueFullError);
    expect(drain(queue, 'default', 0)).toEqual(['a']);
    expect(queue.stats()).toMatchObject({ rejected: 1, rejectedBytes: 6, enqueued: 1 });
  });

  it('refuses a single frame larger than the bound even when empty', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 30 });
    expect(() => queue.push({ channel: 'default', bytes: bytes('a', 31) })).toThrow(QueueFullError);
    expect(queue.length).toBe(0);
  });

  it('accepts again once sending has freed room', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 20 });
    queue.push({ channel: 'default', bytes: bytes('a', 20) });
    expect(() => queue.push({ channel: 'default', bytes: bytes('b', 20) })).toThrow(QueueFullError);
    queue.shift('default', 0);
    queue.push({ channel: 'default', bytes: bytes('b', 20) });
    expect(drain(queue, 'default', 0)).toEqual(['b']);
  });

  it('never holds more than its bound, whatever the pushes and sends', () => {
    const channelArb = fc.constantFrom('default', 'gossip', 'state', 'flags', 'unknown');
    const op = fc.oneof(
      fc.record({
        type: fc.constant('push' as const),
        channel: channelArb,
        size: fc.integer({ min: 0, max: 40 }),
        partitionKey: fc.option(fc.oneof(fc.integer(), fc.string()), { nil: undefined }),
        monotonicKey: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      }),
      fc.record({
        type: fc.constant('take' as const),
        lane: fc.nat(3),
        budget: fc.integer({ min: -5, max: 50 }),
      }),
      fc.constant({ type: 'clear' as const }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.array(op, { maxLength: 60 }),
        (maxBytes, ops) => {
          const queue = new OutgoingQueue({ channels: table, maxBytes });
          let accepted = 0;
          let removed = 0;
          for (const o of ops) {
            if (o.type === 'push') {
              try {
                queue.push({
                  channel: o.channel,
                  bytes: bytes('f', o.size),
                  ...(o.partitionKey === undefined ? {} : { partitionKey: o.partitionKey }),
                  ...(o.monotonicKey === undefined ? {} : { monotonicKey: o.monotonicKey }),
                });
                accepted++;
              } catch (error) {
                expect(error).toBeInstanceOf(QueueFullError);
              }
            } else if (o.type === 'take') {
              for (const channel of Object.keys(table)) {
                removed += queue.take(channel, o.lane, o.budget).length;
              }
            } else {
              removed += queue.clear();
            }
            expect(queue.bytes).toBeLessThanOrEqual(maxBytes);
            expect(queue.bytes).toBeGreaterThanOrEqual(0);
            let laneBytes = 0;
            let laneFrames = 0;
            for (const [channel, spec] of Object.entries(table)) {
              for (let lane = 0; lane < spec.parallelism; lane++) {
                laneBytes += queue.laneBytes(channel, lane);
                laneFrames += queue.laneLength(channel, lane);
              }
            }
            expect(laneBytes).toBe(queue.bytes);
            expect(laneFrames).toBe(queue.length);
          }
          const stats = queue.stats();
          expect(stats.enqueued).toBe(accepted);
          expect(accepted - stats.replaced - removed).toBe(queue.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('OutgoingQueue partition routing', () => {
  it('sends a numeric partition key to lane key mod parallelism', () => {
    const queue = new OutgoingQueue({ channels: table });
    for (const key of [0, 1, 2, 3, 4, 5, 13]) {
      expect(
        queue.push({ channel: 'gossip', bytes: bytes(`k${key}`), partitionKey: key }).lane,
      ).toBe(key % 4);
    }
  });

  it('sends a string partition key to the lane of its stable hash', () => {
    const queue = new OutgoingQueue({ channels: table });
    const receipt = queue.push({ channel: 'gossip', bytes: bytes('x'), partitionKey: 'user-42' });
    expect(receipt.lane).toBe(laneForKey('user-42', 4));
  });

  it('spreads unkeyed messages round robin over the lanes', () => {
    const queue = new OutgoingQueue({ channels: table });
    const lanes = Array.from(
      { length: 8 },
      (_, i) => queue.push({ channel: 'gossip', bytes: bytes(`m${i}`) }).lane,
    );
    expect(lanes).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('keeps per-key order on every lane', () => {
    const push = fc.record({
      key: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'c')),
    });
    fc.assert(
      fc.property(
        fc.array(push, { maxLength: 80 }),
        fc.integer({ min: 1, max: 20 }),
        (pushes, budget) => {
          const queue = new OutgoingQueue({ channels: table });
          const sent = new Map<string, string[]>();
          pushes.forEach(({ key }, i) => {
            const name = `${String(key)}#${i}`;
            queue.push({ channel: 'gossip', bytes: Buffer.from(name), partitionKey: key });
            sent.set(String(key), [...(sent.get(String(key)) ?? []), name]);
          });
          // drain lanes interleaved, as several sockets would, in small bites
          const received = new Map<string, string[]>();
          while (queue.length > 0) {
            for (let lane = 0; lane < 4; lane++) {
              for (const f of queue.take('gossip', lane, budget)) {
                const name = Buffer.from(f.bytes).toString();
                const key = name.slice(0, name.lastIndexOf('#'));
                received.set(key, [...(received.get(key) ?? []), name]);
              }
            }
          }
          expect(received).toEqual(sent);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('OutgoingQueue monotonic replacement', () => {
  it('replaces a queued frame with a newer one of the same key and frees its bytes', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('v1', 30), monotonicKey: 'k' });
    const receipt = queue.push({ channel: 'flags', bytes: bytes('v2', 12), monotonicKey: 'k' });
    expect(receipt.replaced).toBe(true);
    expect(queue.bytes).toBe(12);
    expect(drain(queue, 'flags', 0)).toEqual(['v2']);
    expect(queue.stats()).toMatchObject({ replaced: 1, replacedBytes: 30 });
  });

  it('queues the newer value behind frames sent after the older one', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('x1'), monotonicKey: 'x' });
    queue.push({ channel: 'flags', bytes: bytes('y1'), monotonicKey: 'y' });
    queue.push({ channel: 'flags', bytes: bytes('x2'), monotonicKey: 'x' });
    expect(drain(queue, 'flags', 0)).toEqual(['y1', 'x2']);
  });

  it('does not replace on a channel that is not monotonic', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'default', bytes: bytes('v1'), monotonicKey: 'k' });
    const receipt = queue.push({ channel: 'default', bytes: bytes('v2'), monotonicKey: 'k' });
    expect(receipt.replaced).toBe(false);
    expect(drain(queue, 'default', 0)).toEqual(['v1', 'v2']);
  });

  it('does not replace frames that carry no monotonic key', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('v1') });
    queue.push({ channel: 'flags', bytes: bytes('v2') });
    expect(drain(queue, 'flags', 0)).toEqual(['v1', 'v2']);
  });

  it('treats the number 1 and the string "1" as different keys', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('n'), monotonicKey: 1 });
    queue.push({ channel: 'flags', bytes: bytes('s'), monotonicKey: '1' });
    expect(queue.length).toBe(2);
  });

  it('keeps keys of different channels apart', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('f'), monotonicKey: 'k' });
    queue.push({ channel: 'state', bytes: bytes('s'), monotonicKey: 'k' });
    expect(queue.length).toBe(2);
  });

  it('cannot replace a frame already taken for sending', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('v1'), monotonicKey: 'k' });
    queue.shift('flags', 0);
    expect(queue.push({ channel: 'flags', bytes: bytes('v2'), monotonicKey: 'k' }).replaced).toBe(
      false,
    );
    expect(drain(queue, 'flags', 0)).toEqual(['v2']);
  });

  it('accepts a replacement that fits only because the older frame leaves', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 30 });
    queue.push({ channel: 'flags', bytes: bytes('v1', 25), monotonicKey: 'k' });
    queue.push({ channel: 'flags', bytes: bytes('v2', 28), monotonicKey: 'k' });
    expect(queue.bytes).toBe(28);
  });

  it('keeps the older frame when its replacement is refused', () => {
    const queue = new OutgoingQueue({ channels: table, maxBytes: 30 });
    queue.push({ channel: 'flags', bytes: bytes('v1', 10), monotonicKey: 'k' });
    expect(() =>
      queue.push({ channel: 'flags', bytes: bytes('v2', 31), monotonicKey: 'k' }),
    ).toThrow(QueueFullError);
    expect(drain(queue, 'flags', 0)).toEqual(['v1']);
  });

  it('routes one key to one lane so its values never overtake each other', () => {
    const queue = new OutgoingQueue({ channels: table });
    const lanes = new Set(
      Array.from({ length: 5 }, (_, i) => {
        const receipt = queue.push({ channel: 'state', bytes: bytes(`v${i}`), monotonicKey: 'k' });
        queue.shift(receipt.channel, receipt.lane);
        return receipt.lane;
      }),
    );
    expect(lanes.size).toBe(1);
  });

  it('keeps only the newest value per key', () => {
    const update = fc.record({ key: fc.integer({ min: 0, max: 5 }), value: fc.nat(1000) });
    fc.assert(
      fc.property(fc.array(update, { maxLength: 60 }), (updates) => {
        const queue = new OutgoingQueue({ channels: table });
        const newest = new Map<number, string>();
        for (const { key, value } of updates) {
          const name = `${key}=${value}`;
          queue.push({ channel: 'state', bytes: Buffer.from(name), monotonicKey: key });
          newest.set(key, name);
        }
        const queued = [...drain(queue, 'state', 0), ...drain(queue, 'state', 1)];
        expect(queued.sort()).toEqual([...newest.values()].sort());
      }),
      { numRuns: 200 },
    );
  });
});

describe('OutgoingQueue take, clear and reconfigure', () => {
  it('takes frames while budget remains, letting the last one overshoot', () => {
    const queue = new OutgoingQueue({ channels: table });
    for (const name of ['a', 'b', 'c']) queue.push({ channel: 'default', bytes: bytes(name, 10) });
    expect(queue.take('default', 0, 15).map((f) => label(f.bytes))).toEqual(['a', 'b']);
    expect(queue.length).toBe(1);
  });

  it('takes nothing for a budget of zero or less', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'default', bytes: bytes('a') });
    expect(queue.take('default', 0, 0)).toEqual([]);
    expect(queue.take('default', 0, -10)).toEqual([]);
  });

  it('counts cleared frames as dropped', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'default', bytes: bytes('a', 4) });
    queue.push({ channel: 'gossip', bytes: bytes('b', 6) });
    expect(queue.clear()).toBe(2);
    expect(queue.stats()).toMatchObject({
      queuedBytes: 0,
      queuedFrames: 0,
      dropped: 2,
      droppedBytes: 10,
    });
  });

  it('forgets monotonic keys on clear', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'flags', bytes: bytes('v1'), monotonicKey: 'k' });
    queue.clear();
    expect(queue.push({ channel: 'flags', bytes: bytes('v2'), monotonicKey: 'k' }).replaced).toBe(
      false,
    );
  });

  it('reroutes queued frames to a narrower table keeping per-key order', () => {
    const queue = new OutgoingQueue({ channels: table });
    for (let i = 0; i < 12; i++)
      queue.push({ channel: 'gossip', bytes: bytes(`${i % 3}-${i}`), partitionKey: i % 3 });
    queue.reconfigure({ ...table, gossip: { parallelism: 2, monotonic: false } });
    const all = [...drain(queue, 'gossip', 0), ...drain(queue, 'gossip', 1)];
    for (const key of ['0', '1', '2']) {
      const mine = all.filter((n) => n.startsWith(`${key}-`)).map((n) => Number(n.split('-')[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
      expect(mine).toHaveLength(4);
    }
  });

  it('moves frames of a channel the new table lacks to the default channel', () => {
    const queue = new OutgoingQueue({ channels: table });
    queue.push({ channel: 'default', bytes: bytes('d1') });
    queue.push({ channel: 'gossip', bytes: bytes('g1') });
    queue.push({ channel: 'default', bytes: bytes('d2') });
    queue.reconfigure({ default: { parallelism: 1, monotonic: false } });
    expect(drain(queue, 'default', 0)).toEqual(['d1', 'g1', 'd2']);
    expect(queue.bytes).toBe(0);
  });
});

describe('OutgoingQueue.route', () => {
  it('chooses the lane push would choose, for keyed frames and on fallback', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('gossip', 'state', 'nope'),
        fc.oneof(fc.integer(), fc.string({ maxLength: 20 })),
        (channel, key) => {
          const queue = new OutgoingQueue({ channels: table });
          const routed = queue.route({ channel, partitionKey: key });
          const pushed = queue.push({ channel, partitionKey: key, bytes: bytes('x') });
          expect(routed).toEqual({ channel: pushed.channel, lane: pushed.lane });
        },
      ),
    );
  });

  it('routes by the monotonic key only on a monotonic channel', () => {
    const queue = new OutgoingQueue({ channels: table });
    expect(queue.route({ channel: 'state', monotonicKey: 3 }).lane).toBe(laneForKey(3, 2));
    // on gossip the monotonic key is ignored: unkeyed frames take turns
    const lanes = [0, 1, 2, 3].map(() => queue.route({ channel: 'gossip', monotonicKey: 3 }).lane);
    expect(lanes).toEqual([0, 1, 2, 3]);
  });

  it('shares the round-robin turn with push', () => {
    const queue = new OutgoingQueue({ channels: table });
    expect(queue.route({ channel: 'gossip' }).lane).toBe(0);
    expect(queue.push({ channel: 'gossip', bytes: bytes('a') }).lane).toBe(1);
    expect(queue.route({ channel: 'gossip' }).lane).toBe(2);
    expect(queue.length).toBe(1);
  });
});
