import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidNodeSpecError } from '../../src/channels/errors.js';
import {
  DEFAULT_CHANNEL,
  DEFAULT_HOST,
  MEMBERSHIP_CHANNEL,
  validateNodeSpec,
} from '../../src/channels/node-spec.js';
import { nodeSpecArb } from './arbitraries.js';

const base = { name: 'a', listenAddrs: [{ host: '127.0.0.1', port: 9000 }] };

/** The error validateNodeSpec throws for `input`; fails the test if it does not throw. */
function refusal(input: unknown): InvalidNodeSpecError {
  try {
    validateNodeSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidNodeSpecError);
    return error as InvalidNodeSpecError;
  }
  throw new Error('the spec was accepted');
}

describe('validateNodeSpec: defaults', () => {
  it('adds the default and membership channels to a spec without channels', () => {
    expect(validateNodeSpec(base).channels).toEqual({
      [DEFAULT_CHANNEL]: { parallelism: 1, monotonic: false },
      [MEMBERSHIP_CHANNEL]: { parallelism: 1, monotonic: false },
    });
  });

  it('adds them next to the caller’s channels', () => {
    const spec = validateNodeSpec({ ...base, channels: { gossip: { parallelism: 3 } } });
    expect(Object.keys(spec.channels)).toEqual(['default', 'gossip', 'membership']);
  });

  it('keeps the caller’s own settings for the default channel', () => {
    const spec = validateNodeSpec({
      ...base,
      channels: { default: { parallelism: 4, monotonic: true } },
    });
    expect(spec.channels.default).toEqual({ parallelism: 4, monotonic: true });
  });

  it('fills parallelism 1 and monotonic false when a channel leaves them out', () => {
    const spec = validateNodeSpec({ ...base, channels: [{ name: 'gossip' }] });
    expect(spec.channels.gossip).toEqual({ parallelism: 1, monotonic: false });
  });

  it('gives a listen address without host the loopback host', () => {
    const spec = validateNodeSpec({ name: 'a', listenAddrs: [{ port: 1 }] });
    expect(spec.listenAddrs).toEqual([{ host: DEFAULT_HOST, port: 1 }]);
    expect(DEFAULT_HOST).toBe('127.0.0.1');
  });

  it('accepts channels as a list or as a map with the same result', () => {
    const asList = validateNodeSpec({
      ...base,
      channels: [{ name: 'x', parallelism: 2, monotonic: true }],
    });
    const asMap = validateNodeSpec({
      ...base,
      channels: { x: { parallelism: 2, monotonic: true } },
    });
    expect(asList).toEqual(asMap);
  });

  it('sorts channels by name so that equal specs are equal objects', () => {
    const spec = validateNodeSpec({ ...base, channels: { zeta: {}, alpha: {}, Mid: {} } });
    expect(Object.keys(spec.channels)).toEqual(['Mid', 'alpha', 'default', 'membership', 'zeta']);
  });

  it('returns a frozen spec', () => {
    const spec = validateNodeSpec(base);
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.channels)).toBe(true);
    expect(Object.isFrozen(spec.listenAddrs[0])).toBe(true);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(nodeSpecArb, (spec) => {
        expect(validateNodeSpec(spec)).toEqual(spec);
      }),
    );
  });
});

describe('validateNodeSpec: names', () => {
  it.each(['a', 'node@127.0.0.1:9000', 'n-1_x.y', 'A:B@C'])('accepts the name %s', (name) => {
    expect(validateNodeSpec({ ...base, name }).name).toBe(name);
  });

  it('refuses an empty name', () => {
    expect(refusal({ ...base, name: '' }).message).toContain('name must not be empty');
  });

  it('refuses a name longer than 255 characters', () => {
    expect(refusal({ ...base, name: 'x'.repeat(256) }).message).toContain('at most 255');
  });

  it.each(['a b', 'a/b', 'é', 'a\nb', 'a"b'])('refuses the name %j for its characters', (name) => {
    expect(refusal({ ...base, name }).message).toContain('may only contain');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the reserved name %s', (name) => {
    expect(refusal({ ...base, name }).message).toContain('reserved');
  });

  it('refuses a name that is not a string', () => {
    expect(refusal({ ...base, name: 42 }).message).toContain('name must be a string (got 42)');
  });
});

describe('validateNodeSpec: listen addresses', () => {
  it.each([0, 1, 65535])('accepts port %i', (port) => {
    expect(validateNodeSpec({ name: 'a', listenAddrs: [{ port }] }).listenAddrs[0]?.port).toBe(
      port,
    );
  });

  it.each([-1, 65536, 1.5, Number.NaN, '80'])('refuses port %j', (port) => {
    const error = refusal({ name: 'a', listenAddrs: [{ port }] });
    expect(error.message).toContain('listenAddrs.0.port must be an integer in 0..65535');
  });

  it('refuses a spec with no listen address', () => {
    expect(refusal({ name: 'a', listenAddrs: [] }).message).toContain('at least one address');
  });

  it('refuses a host with spaces', () => {
    expect(refusal({ name: 'a', listenAddrs: [{ host: 'bad host', port: 1 }] }).message).toContain(
      'listenAddrs.0.host',
    );
  });

  it('accepts IPv6 and DNS hosts', () => {
    const spec = validateNodeSpec({
      name: 'a',
      listenAddrs: [
        { host: '::1', port: 1 },
        { host: 'node.example', port: 1 },
      ],
    });
    expect(spec.listenAddrs.map((a) => a.host)).toEqual(['::1', 'node.example']);
  });

  it('refuses the same address twice', () => {
    const error = refusal({
      name: 'a',
      listenAddrs: [{ port: 1 }, { host: '127.0.0.1', port: 1 }],
    });
    expect(error.message).toContain('duplicates another listen address');
  });
});

describe('validateNodeSpec: channels', () => {
  it('refuses the same channel twice in list form', () => {
    const error = refusal({
      ...base,
      channels: [{ name: 'gossip' }, { name: 'gossip', parallelism: 2 }],
    });
    expect(error.message).toContain('channels.1 duplicates channel gossip');
  });

  it('refuses an invalid channel name', () => {
    expect(refusal({ ...base, channels: [{ name: 'has space' }] }).message).toContain(
      'channels.0.name',
    );
  });

  it('refuses a channel name longer than 64 characters', () => {
    expect(refusal({ ...base, channels: { ['c'.repeat(65)]: {} } }).message).toContain(
      'at most 64',
    );
  });

  it('refuses a __proto__ channel given as an own key', () => {
    const channels = JSON.parse('{"__proto__": {"parallelism": 2}}');
    expect(refusal({ ...base, channels }).message).toContain('reserved');
  });

  it.each([0, 65, 1.5, '2'])('refuses parallelism %j', (parallelism) => {
    const error = refusal({ ...base, channels: { gossip: { parallelism } } });
    expect(error.message).toContain('channels.gossip.parallelism must be an integer in 1..64');
  });

  it('accepts parallelism 64', () => {
    expect(
      validateNodeSpec({ ...base, channels: { g: { parallelism: 64 } } }).channels.g?.parallelism,
    ).toBe(64);
  });

  it('refuses a monotonic flag that is not a boolean', () => {
    const error = refusal({ ...base, channels: { gossip: { monotonic: 'yes' } } });
    expect(error.message).toContain('channels.gossip.monotonic must be a boolean');
  });
});

describe('validateNodeSpec: shape', () => {
  it.each([null, 'a', 42, [], new Map()])('refuses %j as a spec', (input) => {
    expect(refusal(input).issues).toHaveLength(1);
  });

  it('refuses unknown fields, naming them', () => {
    const error = refusal({ ...base, port: 9000 });
    expect(error.message).toContain('"port" is not a known field');
  });

  it('reports every problem at once', () => {
    const error = refusal({
      name: '',
      listenAddrs: [{ port: -1 }],
      channels: { g: { parallelism: 0 } },
    });
    expect(error.issues.map((i) => i.path)).toEqual([
      'name',
      'listenAddrs.0.port',
      'channels.g.parallelism',
    ]);
  });

  it('names the error', () => {
    expect(refusal({}).name).toBe('InvalidNodeSpecError');
  });
});
