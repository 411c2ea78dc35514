import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNodeSpec } from '../../src/channels/node-spec.js';
import {
  type HyParViewMessage,
  MAX_SHUFFLE_ENTRIES,
  MAX_WIRE_TTL,
  type NodeSpec,
  parseHyParViewMessage,
} from '../../src/peer-service/core/index.js';

const spec = (name: string, port = 4000): NodeSpec =>
  validateNodeSpec({ name, listenAddrs: [{ host: '127.0.0.1', port }] });
const a = spec('a');

const valid: HyParViewMessage<NodeSpec>[] = [
  { type: 'join', peer: a },
  { type: 'forwardJoin', peer: a, ttl: 6 },
  { type: 'neighbor', peer: a, priority: 'high' },
  { type: 'neighbor', peer: a, priority: 'low' },
  { type: 'neighborAccepted', peer: a },
  { type: 'neighborRejected', peer: a },
  { type: 'disconnect', peer: a },
  { type: 'shuffle', origin: a, ttl: 5, id: 3, entries: [spec('b', 1), spec('c', 2)] },
  { type: 'shuffleReply', peer: a, id: 3, entries: [] },
];

function reason(raw: unknown): string {
  const out = parseHyParViewMessage(raw);
  if (out.ok) throw new Error(`accepted ${JSON.stringify(raw)}`);
  return out.reason;
}

/** Every spec a parsed message carries. */
function specsOf(msg: HyParViewMessage<NodeSpec>): NodeSpec[] {
  switch (msg.type) {
    case 'shuffle':
      return [msg.origin, ...msg.entries];
    case 'shuffleReply':
      return [msg.peer, ...msg.entries];
    default:
      return [msg.peer];
  }
}

describe('hyparview wire parser', () => {
  it.each(valid)('accepts a well-formed $type', (msg) => {
    expect(parseHyParViewMessage(structuredClone(msg))).toEqual({ ok: true, msg });
  });

  it('drops fields it does not know instead of passing them on', () => {
    const out = parseHyParViewMessage({ type: 'join', peer: a, extra: { big: 'x' } });
    expect(out).toEqual({ ok: true, msg: { type: 'join', peer: a } });
  });

  it('rejects what is not an object', () => {
    for (const raw of [null, undefined, 3, 'join', [], [{ type: 'join' }]]) {
      expect(reason(raw)).toMatch(/must be an object/);
    }
  });

  it('rejects an unknown or missing type', () => {
    expect(reason({ type: 'hello', peer: a })).toBe('unknown message type');
    expect(reason({ peer: a })).toBe('unknown message type');
    expect(reason({ type: '__proto__', peer: a })).toBe('unknown message type');
  });

  it('rejects a missing or invalid peer spec with the validator’s reason', () => {
    expect(reason({ type: 'join' })).toMatch(/^peer: invalid node spec/);
    expect(reason({ type: 'join', peer: { name: 'a' } })).toMatch(/listenAddrs/);
    expect(reason({ type: 'join', peer: { ...a, name: 'bad name!' } })).toMatch(/^peer: .*name/);
    expect(
      reason({ type: 'join', peer: { name: 'a', listenAddrs: [{ host: 'h', port: 70000 }] } }),
    ).toMatch(/port/);
    expect(
      reason({ type: 'join', peer: { name: 'a', listenAddrs: [{ host: 'a b', port: 1 }] } }),
    ).toMatch(/host/);
    expect(reason({ type: 'join', peer: { ...a, channels: { x: { parallelism: 0 } } } })).toMatch(
      /parallelism/,
    );
  });

  it('rejects a spec that cannot be dialled (port 0)', () => {
    expect(reason({ type: 'join', peer: spec('a', 0) })).toMatch(/port 0/);
  });

  it('rejects a bad ttl', () => {
    for (const ttl of [-1, 1.5, '6', MAX_WIRE_TTL + 1, Number.NaN, undefined]) {
      expect(reason({ type: 'forwardJoin', peer: a, ttl })).toMatch(/^ttl/);
    }
  });

  it('rejects a bad priority', () => {
    for (const priority of ['urgent', 1, undefined]) {
      expect(reason({ type: 'neighbor', peer: a, priority })).toMatch(/priority/);
    }
  });

  it('rejects a bad shuffle id, origin or entries', () => {
    const ok = { type: 'shuffle', origin: a, ttl: 1, id: 1, entries: [] };
    expect(reason({ ...ok, id: -2 })).toMatch(/^id/);
    expect(reason({ ...ok, origin: 'a' })).toMatch(/^origin/);
    expect(reason({ ...ok, entries: 'a' })).toMatch(/entries must be an array/);
    expect(reason({ ...ok, entries: [a, { name: 'b' }] })).toMatch(/^entries\.1/);
    const many = Array.from({ length: MAX_SHUFFLE_ENTRIES + 1 }, (_, i) => spec(`p${i}`, i + 1));
    expect(reason({ ...ok, entries: many })).toMatch(/at most/);
    expect(reason({ type: 'shuffleReply', peer: a, id: 1, entries: null })).toMatch(/entries/);
  });

  it('arbitrary junk never throws, and whatever is accepted carries only valid, dialable specs', () => {
    const junkSpec = fc.oneof(
      fc.constant(a),
      fc.record({
        name: fc.oneof(fc.string(), fc.constantFrom('a', 'b-1')),
        listenAddrs: fc.array(
          fc.record({
            host: fc.oneof(fc.string(), fc.constant('127.0.0.1')),
            port: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.anything()),
          }),
          { maxLength: 3 },
        ),
      }),
      fc.anything(),
    );
    const junk = fc.oneof(
      fc.anything(),
      fc.record({
        type: fc.constantFrom(...valid.map((m) => m.type), 'other'),
        peer: junkSpec,
        origin: junkSpec,
        ttl: fc.oneof(fc.integer({ min: -3, max: 300 }), fc.anything()),
        id: fc.oneof(fc.nat(), fc.anything()),
        priority: fc.oneof(fc.constantFrom('high', 'low'), fc.anything()),
        entries: fc.oneof(fc.array(junkSpec, { maxLength: 4 }), fc.anything()),
      }),
    );
    fc.assert(
      fc.property(junk, (raw) => {
        const out = parseHyParViewMessage(raw);
        if (!out.ok) {
          expect(typeof out.reason).toBe('string');
          return;
        }
        for (const s of specsOf(out.msg)) {
          expect(validateNodeSpec(s)).toEqual(s);
          expect(s.listenAddrs.every((l) => l.port > 0)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
