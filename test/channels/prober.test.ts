import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, FAST, nextPeerEvent, RawPeer } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

/** The per-connection keepalive out of the way, so only the prober can find a silent peer. */
const KEEPALIVE_OFF = { intervalMs: 60_000, timeoutMs: 120_000 } as const;
const PROBE = { periodMs: 200, ackTimeoutMs: 80, indirectProbes: 1 } as const;

describe('the failure detector (prober)', () => {
  it('closes the connections of a peer that answers neither its probe nor through others', async () => {
    const a = await cluster.node('a', { ...FAST, ping: KEEPALIVE_OFF, probe: PROBE });
    const up = nextPeerEvent(a, (e) => e.type === 'up' && e.peer === 'ghost');
    const raw = await RawPeer.open(a.address.port);
    await raw.handshake({ name: 'ghost', expect: 'a' });
    await up;
    const upAt = performance.now();
    await nextPeerEvent(a, (e) => e.type === 'down' && e.peer === 'ghost');
    // the first probe one period in, declared silent one period later
    expect(performance.now() - upAt).toBeLessThan(2 * PROBE.periodMs + 1_000);
    expect((await raw.closed).code).toBe(4006);
    expect(raw.received.some((f) => f.k === 'ping')).toBe(true);
  });

  it('keeps a peer that a helper reaches though this node does not hear it', async () => {
    // a long period: the helper's answer must arrive within it even on a loaded machine
    const probe = { periodMs: 1_000, ackTimeoutMs: 200, indirectProbes: 1 } as const;
    const a = await cluster.node('a', { ...FAST, ping: KEEPALIVE_OFF, probe });
    const b = await cluster.node('b', { ...FAST, ping: KEEPALIVE_OFF, probe });
    await a.connect(b.spec);
    // one process named c: silent on its link to a, answering on its link to b
    const cOnA = await RawPeer.open(a.address.port);
    const cOnB = await RawPeer.open(b.address.port);
    cOnB.answerPings();
    const aSeesC = nextPeerEvent(a, (e) => e.type === 'up' && e.peer === 'c');
    await cOnA.handshake({ name: 'c', expect: 'a' });
    await cOnB.handshake({ name: 'c', expect: 'b' });
    await aSeesC;
    // a has two peers, so within a few periods it has probed c, asked b, and been told c answered
    const pingsOnA = () => cOnA.received.filter((f) => f.k === 'ping').length;
    // one ping at the handshake (the round trip), then two probes
    while (pingsOnA() < 3) await new Promise((r) => setTimeout(r, probe.periodMs));
    // and the period of the last probe is over
    await new Promise((r) => setTimeout(r, probe.periodMs + 200));
    expect(a.counters.snapshot().closes[4006]).toBeUndefined();
    expect(a.connectedPeers()).toContain('c');
  }, 20_000);
});
