import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAlive, kill, start, stop, whereis } from '../../src/actors/index.js';
import { channelsChildSpec } from '../../src/channels/channels.js';
import { scopedName } from '../../src/channels/names.js';
import { silentLogger } from '../../src/log/logger.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { startSupervisor, terminateChild } from '../../src/supervisor/index.js';
import { Cluster, FAST, Inbox, nextPeerEvent } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

describe('supervision of the channel layer', () => {
  it('restarts a killed listener on the same port, leaving established peers alone', async () => {
    const a = await cluster.node('a');
    const b = await cluster.node('b');
    const inbox = new Inbox(a);
    await b.connect(a.spec);
    const port = a.address.port;
    const listener = whereis(scopedName('channels_listener', 'a'));
    expect(listener).toBeDefined();
    if (listener === undefined) return;
    kill(listener);
    await vi.waitFor(
      () => {
        const next = whereis(scopedName('channels_listener', 'a'));
        expect(next).toBeDefined();
        expect(next).not.toBe(listener);
      },
      { timeout: 5_000, interval: 10 },
    );
    // the established peer did not notice
    b.send('a', 'default', 'still here');
    await inbox.waitFor(1);
    expect(b.connectedPeers()).toEqual(['a']);
    // and a new peer can dial the same port
    const c = await cluster.node('c');
    await vi.waitFor(() => c.connect(a.spec), { timeout: 5_000, interval: 20 });
    expect(a.address.port).toBe(port);
    c.send('a', 'default', 'new peer');
    await inbox.waitFor(2);
  });

  it('restarts a crashed channel actor, which reconnects to its peer', async () => {
    const a = await cluster.node('a');
    const b = await cluster.node('b');
    const inbox = new Inbox(b);
    await a.connect(b.spec);
    const name = scopedName('channel:b', 'a');
    const actor = whereis(name);
    expect(actor).toBeDefined();
    if (actor === undefined) return;
    const down = nextPeerEvent(a, (e) => e.type === 'down' && e.peer === 'b');
    const up = nextPeerEvent(a, (e) => e.type === 'up' && e.peer === 'b');
    kill(actor);
    await down;
    expect(isAlive(actor)).toBe(false);
    await up;
    expect(whereis(name)).not.toBe(actor);
    a.send('b', 'default', 'after the restart');
    await inbox.waitFor(1);
    expect(inbox.messages[0]?.msg).toBe('after the restart');
  });

  it('runs under a parent supervisor from its child spec', async () => {
    const system = start();
    const { spec, channels } = channelsChildSpec({
      spec: { name: 'child', listenAddrs: [{ port: 0 }] },
      secret: 'test-secret',
      logger: silentLogger,
      metrics: new MetricsRegistry(),
      ...FAST,
    });
    const sup = await startSupervisor(system, { strategy: 'one_for_one', children: [spec] });
    try {
      await channels.whenListening();
      expect(channels.address.port).toBeGreaterThan(0);
      const peer = await cluster.node('peer');
      const inbox = new Inbox(channels);
      await peer.connect(channels.spec);
      peer.send('child', 'default', 'hello child');
      await inbox.waitFor(1);
    } finally {
      await terminateChild(sup, 'channels');
      await channels.stop();
      stop(system);
    }
  });
});
