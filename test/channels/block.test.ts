import { afterEach, describe, expect, it } from 'vitest';
import { PeerBlockedError } from '../../src/channels/index.js';
import { eventually } from '../support/actors.js';
import { Cluster, Inbox } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

describe('block and unblock a peer', () => {
  it('a blocked peer is disconnected, sends to it fail with PeerBlockedError, and its dials are refused', async () => {
    const a = await cluster.node('a');
    const b = await cluster.node('b');
    await a.connect(b.spec);
    await eventually(
      () => a.connectedPeers().includes('b') && b.connectedPeers().includes('a'),
      10_000,
      'connected',
    );
    await a.block('b');
    await eventually(() => !b.connectedPeers().includes('a'), 10_000, 'b sees the link down');
    expect(() => a.send('b', 'default', 'x')).toThrow(PeerBlockedError);
    await expect(a.connect(b.spec)).rejects.toBeInstanceOf(PeerBlockedError);
    await expect(b.connect(a.spec)).rejects.toThrow();
    expect(a.connectedPeers()).toEqual([]);
    expect(a.blockedPeers()).toEqual(['b']);
  });

  it('unblock dials the peer again and traffic flows', async () => {
    const a = await cluster.node('a');
    const b = await cluster.node('b');
    const inbox = new Inbox(b);
    await a.connect(b.spec);
    await a.block('b');
    a.unblock('b');
    await eventually(() => a.connectedPeers().includes('b'), 10_000, 'reconnected');
    a.send('b', 'default', 'after');
    await inbox.waitFor(1);
    expect(inbox.messages.map((m) => m.msg)).toEqual(['after']);
  });
});
