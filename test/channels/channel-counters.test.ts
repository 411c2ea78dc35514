import { describe, expect, it } from 'vitest';
import { ChannelCounters } from '../../src/channels/channel-counters.js';

describe('ChannelCounters', () => {
  it('sums frames and bytes per channel and direction', () => {
    const counters = new ChannelCounters();
    counters.recordSent('gossip', 100);
    counters.recordSent('gossip', 50);
    counters.recordReceived('gossip', 7);
    counters.recordReceived('default', 3);
    expect(counters.snapshot().channels).toEqual({
      default: { framesSent: 0, bytesSent: 0, framesReceived: 1, bytesReceived: 3 },
      gossip: { framesSent: 2, bytesSent: 150, framesReceived: 1, bytesReceived: 7 },
    });
  });

  it('counts closes per close code', () => {
    const counters = new ChannelCounters();
    counters.recordClose(4001);
    counters.recordClose(1007);
    counters.recordClose(4001);
    expect(counters.snapshot().closes).toEqual({ 1007: 1, 4001: 2 });
  });

  it('counts closes by the peer apart from closes by this node', () => {
    const counters = new ChannelCounters();
    counters.recordPeerClose(4000);
    counters.recordClose(1000);
    counters.recordPeerClose(4000);
    const snap = counters.snapshot();
    expect(snap.peerCloses).toEqual({ 4000: 2 });
    expect(snap.closes).toEqual({ 1000: 1 });
  });

  it('hands out a snapshot that later counts do not change', () => {
    const counters = new ChannelCounters();
    counters.recordSent('default', 1);
    const before = counters.snapshot();
    counters.recordSent('default', 1);
    expect(before.channels.default?.framesSent).toBe(1);
    expect(counters.snapshot().channels.default?.framesSent).toBe(2);
  });
});
