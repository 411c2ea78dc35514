import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNodeSpec } from '../../src/channels/node-spec.js';
import {
  type MembershipMessage,
  type NodeSpec,
  parseMembershipMessage,
} from '../../src/peer-service/core/index.js';

const spec = (name: string, port = 4000): NodeSpec =>
  validateNodeSpec({ name, listenAddrs: [{ host: '127.0.0.1', port }] });

const alive = (name: string, s: unknown = spec(name)) => ({
  name,
  status: 'alive',
  epoch: 0,
  incarnation: 5,
  spec: s,
});
const state = (...entries: unknown[]) => ({ version: 1, entries });

function reason(raw: unknown): string {
  const out = parseMembershipMessage(raw);
  if (out.ok) throw new Error(`accepted ${JSON.stringify(raw)}`);
  return out.reason;
}

describe('full-membership wire parser', () => {
  it('accepts a well-formed joinRequest, joinReply and gossip', () => {
    const join: MembershipMessage = {
      type: 'joinRequest',
      epoch: 1,
      incarnation: 2,
      spec: spec('a'),
    };
    expect(parseMembershipMessage(structuredClone(join))).toEqual({ ok: true, msg: join });
    for (const type of ['joinReply', 'gossip'] as const) {
      const raw = { type, state: state(alive('a'), alive('b', spec('b', 4001))) };
      expect(parseMembershipMessage(structuredClone(raw))).toEqual({ ok: true, msg: raw });
    }
  });

  it('accepts tombstones with their acknowledgements', () => {
    const tomb = {
      name: 'c',
      status: 'removed',
      epoch: 0,
      incarnation: 3,
      acks: [{ node: 'a', epoch: 0, incarnation: 5, version: 1, view: 'v' }],
    };
    const out = parseMembershipMessage({ type: 'gossip', state: state(alive('a'), tomb) });
    expect(out.ok).toBe(true);
  });

  it('rejects what is not an object, and unknown types', () => {
    for (const raw of [null, 1, 'gossip', []]) expect(reason(raw)).toMatch(/must be an object/);
    expect(reason({ type: 'ping' })).toBe('unknown message type');
  });

  it('rejects a joinRequest with bad counters or spec', () => {
    const ok = { type: 'joinRequest', epoch: 0, incarnation: 1, spec: spec('a') };
    expect(reason({ ...ok, epoch: -1 })).toMatch(/^epoch/);
    expect(reason({ ...ok, incarnation: 'x' })).toMatch(/^incarnation/);
    expect(reason({ ...ok, spec: { name: 'a' } })).toMatch(/^spec: invalid node spec/);
    expect(reason({ ...ok, spec: spec('a', 0) })).toMatch(/port 0/);
  });

  it('rejects a state the lattice cannot decode', () => {
    expect(reason({ type: 'gossip' })).toMatch(/^state/);
    expect(reason({ type: 'gossip', state: { version: 2, entries: [] } })).toMatch(/version/);
    expect(reason({ type: 'gossip', state: { version: 1, entries: {} } })).toMatch(/entries/);
    expect(reason({ type: 'gossip', state: state({ ...alive('a'), status: 'zombie' }) })).toMatch(
      /status/,
    );
    expect(reason({ type: 'gossip', state: state(alive('a', spec('b'))) })).toMatch(/differs/);
  });

  it('rejects a gossiped member spec the channel validator refuses', () => {
    const badHost = { name: 'a', listenAddrs: [{ host: 'a b', port: 1 }], channels: {} };
    expect(reason({ type: 'gossip', state: state(alive('a', badHost)) })).toMatch(
      /^state spec of a: .*host/,
    );
    expect(reason({ type: 'joinReply', state: state(alive('a', spec('a', 0))) })).toMatch(/port 0/);
  });

  it('rejects a gossiped spec that is valid but not in the validator’s normal form', () => {
    // Missing the default and membership channels the validator adds: the core would
    // decode something other than what was checked.
    const bare = { name: 'a', listenAddrs: [{ host: '127.0.0.1', port: 4000 }], channels: {} };
    expect(reason({ type: 'gossip', state: state(alive('a', bare)) })).toMatch(/normal form/);
  });

  it('a spec accepted once is accepted again, and a different one is still checked', () => {
    const raw = { type: 'gossip', state: state(alive('a')) };
    expect(parseMembershipMessage(raw).ok).toBe(true);
    expect(parseMembershipMessage(raw).ok).toBe(true);
    const otherHost = { ...spec('a'), listenAddrs: [{ host: 'a b', port: 4000 }] };
    expect(reason({ type: 'gossip', state: state(alive('a', otherHost)) })).toMatch(/host/);
  });

  it('arbitrary junk never throws, and accepted states hold only valid, dialable specs', () => {
    const junkSpec = fc.oneof(
      fc.constant(spec('a')),
      fc.record({
        name: fc.constantFrom('a', 'b', 'bad name'),
        listenAddrs: fc.array(
          fc.record({ host: fc.string(), port: fc.integer({ min: -1, max: 70_000 }) }),
          { maxLength: 2 },
        ),
        channels: fc.anything(),
      }),
    );
    const entry = fc.record({
      name: fc.constantFrom('a', 'b'),
      status: fc.constantFrom('alive', 'removed', 'x'),
      epoch: fc.oneof(fc.nat(), fc.anything()),
      incarnation: fc.oneof(fc.nat(), fc.anything()),
      spec: junkSpec,
      acks: fc.oneof(fc.constant([]), fc.anything()),
    });
    const junk = fc.oneof(
      fc.anything(),
      fc.record({
        type: fc.constantFrom('joinRequest', 'joinReply', 'gossip', 'x'),
        epoch: fc.oneof(fc.nat(), fc.anything()),
        incarnation: fc.oneof(fc.nat(), fc.anything()),
        spec: junkSpec,
        state: fc.oneof(
          fc.record({ version: fc.constant(1), entries: fc.array(entry, { maxLength: 3 }) }),
          fc.anything(),
        ),
      }),
    );
    fc.assert(
      fc.property(junk, (raw) => {
        const out = parseMembershipMessage(raw);
        if (!out.ok) return;
        const specs =
          out.msg.type === 'joinRequest'
            ? [out.msg.spec]
            : out.msg.state.entries.flatMap((e) => (e.status === 'alive' ? [e.spec] : []));
        for (const s of specs) {
          expect(validateNodeSpec(s)).toEqual(s);
          expect(s.listenAddrs.every((l) => l.port > 0)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
