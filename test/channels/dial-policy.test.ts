import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/channels/close-codes.js';
import {
  afterAdopt,
  afterClose,
  afterDialFailure,
  dialAddress,
  dropsOtherConnections,
  isSessionSlot,
} from '../../src/channels/dial-policy.js';

const addrs = [
  { host: '10.0.0.1', port: 1 },
  { host: '10.0.0.2', port: 2 },
];

describe('isSessionSlot', () => {
  it('is the default channel’s lane 0 only', () => {
    expect(isSessionSlot('default', 0, 'default')).toBe(true);
    expect(isSessionSlot('default', 1, 'default')).toBe(false);
    expect(isSessionSlot('gossip', 0, 'default')).toBe(false);
  });
});

describe('afterAdopt', () => {
  it('fills the other slots at once on the node that dialled the session', () => {
    expect(afterAdopt(true, 'outbound')).toBe('fill_now');
  });

  it('gives the peer time to fill when the peer dialled the session', () => {
    expect(afterAdopt(true, 'inbound')).toBe('fill_later');
  });

  it('waits after adopting any other slot', () => {
    expect(afterAdopt(false, 'outbound')).toBe('fill_later');
    expect(afterAdopt(false, 'inbound')).toBe('fill_later');
  });
});

describe('dropsOtherConnections', () => {
  it('drops the rest when this node timed a connection out', () => {
    expect(dropsOtherConnections(CloseCode.PingTimeout, false)).toBe(true);
  });

  it('keeps the rest when the peer closed, whatever the code', () => {
    expect(dropsOtherConnections(CloseCode.PingTimeout, true)).toBe(false);
    expect(dropsOtherConnections(CloseCode.Normal, true)).toBe(false);
  });
});

describe('afterClose', () => {
  it('declares the peer down when no connection is left', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 4999 }),
        fc.constantFrom('outbound' as const, 'inbound' as const),
        (code, direction) => afterClose(0, code, direction) === 'peer_down',
      ),
    );
  });

  it('redials a slot this node had dialled', () => {
    expect(afterClose(2, CloseCode.Normal, 'outbound')).toBe('redial_slot');
  });

  it('leaves a slot the peer had dialled to the peer first', () => {
    expect(afterClose(2, CloseCode.Normal, 'inbound')).toBe('fill_later');
  });

  it('does not redial a connection the tie-break dropped', () => {
    expect(afterClose(2, CloseCode.DuplicateConnection, 'outbound')).toBe('fill_later');
  });
});

describe('afterDialFailure', () => {
  it('waits for the peer’s own connection when refused as a duplicate', () => {
    expect(afterDialFailure(true, true, true)).toBe('fill_later');
    expect(afterDialFailure(true, false, false)).toBe('fill_later');
  });

  it('always redials the session', () => {
    expect(afterDialFailure(false, false, true)).toBe('redial');
  });

  it('redials another slot only while the peer is up', () => {
    expect(afterDialFailure(false, true, false)).toBe('redial');
    expect(afterDialFailure(false, false, false)).toBe('give_up');
  });
});

describe('dialAddress', () => {
  it('tries the peer’s addresses in turn, one per attempt', () => {
    expect([0, 1, 2, 3].map((a) => dialAddress(addrs, a)?.port)).toEqual([1, 2, 1, 2]);
  });

  it('has nothing to dial for a peer without addresses', () => {
    expect(dialAddress([], 0)).toBeUndefined();
  });
});
