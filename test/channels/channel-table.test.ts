import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { negotiateChannels, resolveChannel } from '../../src/channels/channel-table.js';
import { validateNodeSpec } from '../../src/channels/node-spec.js';
import { nodeSpecArb } from './arbitraries.js';

const a = validateNodeSpec({
  name: 'a',
  listenAddrs: [{ port: 1 }],
  channels: { gossip: { parallelism: 4 }, state: { parallelism: 2, monotonic: true }, onlyA: {} },
});
const b = validateNodeSpec({
  name: 'b',
  listenAddrs: [{ port: 2 }],
  channels: { gossip: { parallelism: 2 }, state: { parallelism: 8 }, onlyB: {} },
});

describe('resolveChannel', () => {
  it('keeps a channel the table knows', () => {
    expect(resolveChannel(a.channels, 'gossip')).toBe('gossip');
  });

  it('falls back to the default channel for an unknown one', () => {
    expect(resolveChannel(a.channels, 'unknown')).toBe('default');
  });

  it('does not mistake inherited object properties for channels', () => {
    expect(resolveChannel(a.channels, 'toString')).toBe('default');
    expect(resolveChannel(a.channels, '__proto__')).toBe('default');
  });
});

describe('negotiateChannels', () => {
  it('keeps only the channels both sides declare, always including the two built-in ones', () => {
    expect(Object.keys(negotiateChannels(a, b))).toEqual([
      'default',
      'gossip',
      'membership',
      'state',
    ]);
  });

  it('uses the smaller parallelism of the two sides', () => {
    expect(negotiateChannels(a, b).gossip?.parallelism).toBe(2);
    expect(negotiateChannels(a, b).state?.parallelism).toBe(2);
  });

  it('takes monotonic from the local side', () => {
    expect(negotiateChannels(a, b).state?.monotonic).toBe(true);
    expect(negotiateChannels(b, a).state?.monotonic).toBe(false);
  });

  it('gives both sides the same channel names and lane counts', () => {
    fc.assert(
      fc.property(nodeSpecArb, nodeSpecArb, (x, y) => {
        const lanes = (t: ReturnType<typeof negotiateChannels>) =>
          Object.entries(t).map(([name, spec]) => [name, spec.parallelism]);
        expect(lanes(negotiateChannels(x, y))).toEqual(lanes(negotiateChannels(y, x)));
      }),
    );
  });
});
