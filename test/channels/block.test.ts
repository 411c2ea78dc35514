import { afterEach, describe, expect, it } from 'vitest';
import { PeerBlockedError } from '../../src/channels/index.js';
import { Cluster, Inbox } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

async function until(what: string, f: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('block and unblock a peer', () => {
  it('a blocked peer is disconnected, sends to it fail with PeerBlockedError, and its dials are refused', async () => {
    const a = await cluster.node('a');
    const b = await cluster.node('b');
    await a.connect(b.spec);
    await until(
      'connected',
      () => a.connectedPeers().includes('b') && b.connectedPeers().includes('a'),
    );
    await a.block('b');
    await until('b sees the link down', () => !b.connectedPeers().includes('a'));
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
    await until('reconnected', () => a.connectedPeers().includes('b'));
    a.send('b', 'default', 'after');
    await inbox.waitFor(1);
    expect(inbox.messages.map((m) => m.msg)).toEqual(['after']);
  });
});
