import { pack } from 'msgpackr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../../src/channels/close-codes.js';
import { BATCH_BYTES, encodeFrame } from '../../src/channels/codec.js';
import { frame } from '../../src/channels/envelope.js';
import { HandshakeError } from '../../src/channels/errors.js';
import { Cluster, Inbox, nextPeerEvent, RawPeer, type SeenClose } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

type Node = Awaited<ReturnType<Cluster['node']>>;

/** After a refusal the listener must still take good peers, and traffic must flow. */
async function stillAcceptsGoodPeers(node: Node, name: string): Promise<void> {
  const good = await cluster.node(name);
  const inbox = new Inbox(node);
  await good.connect(node.spec);
  good.send(node.name, 'default', 'hello after a refusal');
  await inbox.waitFor(1);
  expect(inbox.messages[0]?.msg).toBe('hello after a refusal');
}

function expectClose(seen: SeenClose, code: number, reasonPart: string): void {
  expect(seen.code).toBe(code);
  expect(seen.reason).toContain(reasonPart);
}

describe('the listener refuses a bad peer and keeps accepting good ones', () => {
  it('closes with 4001 a dialler that proves the wrong secret', async () => {
    const a = await cluster.node('a');
    const raw = await RawPeer.open(a.address.port);
    await raw.handshake({ name: 'intruder', expect: 'a', secret: 'wrong-secret' });
    expectClose(await raw.closed, CloseCode.AuthFailed, 'wrong proof');
    expect(a.counters.snapshot().closes[CloseCode.AuthFailed]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('makes connect reject with 4001 for a node with another secret', async () => {
    const a = await cluster.node('a');
    const other = await cluster.node('other', { secret: 'another-secret' });
    const error = await other.connect(a.spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).code).toBe(CloseCode.AuthFailed);
    expect(other.counters.snapshot().closes[CloseCode.AuthFailed]).toBe(1);
    // the dialler's own (wrong) proof reaches the listener before its close does
    await vi.waitFor(() => expect(a.counters.snapshot().closes[CloseCode.AuthFailed]).toBe(1));
    expect(a.connectedPeers()).toEqual([]);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 4002 a dialler that expects another node', async () => {
    const a = await cluster.node('a');
    const raw = await RawPeer.open(a.address.port);
    await raw.handshake({ name: 'lost', expect: 'not-a' });
    expectClose(await raw.closed, CloseCode.WrongName, 'expected not-a');
    expect(a.counters.snapshot().closes[CloseCode.WrongName]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('makes connect reject with 4002 when another node answers at the address', async () => {
    const a = await cluster.node('a');
    const b = await cluster.node('b');
    const wrong = { ...a.spec, name: 'not-a' };
    const error = await b.connect(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).code).toBe(CloseCode.WrongName);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 4004 a connection that sends no handshake in time', async () => {
    const a = await cluster.node('a', { handshakeTimeoutMs: 300 });
    const raw = await RawPeer.open(a.address.port);
    const openedAt = performance.now();
    expectClose(await raw.closed, CloseCode.HandshakeTimeout, 'in time');
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(250);
    expect(a.counters.snapshot().closes[CloseCode.HandshakeTimeout]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 1007 a connection that sends garbage', async () => {
    const a = await cluster.node('a');
    const raw = await RawPeer.open(a.address.port);
    raw.sendBytes(Buffer.from([0x92, 0x01])); // an array of two with one element
    expectClose(await raw.closed, CloseCode.InvalidPayload, 'undecodable');
    expect(a.counters.snapshot().closes[CloseCode.InvalidPayload]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 1009 a message over the batch limit, refused by ws itself', async () => {
    const a = await cluster.node('a', { maxFrameBytes: 4096 });
    const raw = await RawPeer.open(a.address.port);
    raw.sendBytes(Buffer.alloc(BATCH_BYTES + 1, 1));
    // ws refuses the message from its header, before reading it, and closes with the
    // code alone: a close frame sent by ws carries no reason
    expect((await raw.closed).code).toBe(CloseCode.MessageTooBig);
    expect(a.counters.snapshot().closes[CloseCode.MessageTooBig]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 1009 a frame over maxFrameBytes inside a smaller message', async () => {
    const a = await cluster.node('a', { maxFrameBytes: 4096 });
    const raw = await RawPeer.open(a.address.port);
    raw.sendBytes(pack({ v: 1, ch: 'default', k: 'hello', b: { pad: 'x'.repeat(8192) } }));
    expectClose(await raw.closed, CloseCode.MessageTooBig, 'exceeds the limit of 4096 bytes');
    expect(a.counters.snapshot().closes[CloseCode.MessageTooBig]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 1008 valid MessagePack of the wrong shape', async () => {
    const a = await cluster.node('a');
    const raw = await RawPeer.open(a.address.port);
    raw.sendBytes(pack({ v: 1, ch: 'default', k: 'hello', b: { lane: 'zero' } }));
    expectClose(await raw.closed, CloseCode.PolicyViolation, 'hello');
    expect(a.counters.snapshot().closes[CloseCode.PolicyViolation]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes with 4005 a frame out of order in the handshake', async () => {
    const a = await cluster.node('a');
    const raw = await RawPeer.open(a.address.port);
    raw.sendBytes(encodeFrame(frame('default', 'data', { msg: 'too early' })));
    expectClose(await raw.closed, CloseCode.HandshakeProtocol, 'expected hello');
    expect(a.counters.snapshot().closes[CloseCode.HandshakeProtocol]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });

  it('closes an established connection on a bad frame, reports the peer down and goes on', async () => {
    const a = await cluster.node('a');
    const inbox = new Inbox(a);
    const up = nextPeerEvent(a, (e) => e.type === 'up');
    const raw = await RawPeer.open(a.address.port);
    await raw.handshake({ name: 'flaky', expect: 'a' });
    await up;
    raw.sendBytes(encodeFrame(frame('default', 'data', { msg: 'valid first' })));
    await inbox.waitFor(1);
    const down = nextPeerEvent(a, (e) => e.type === 'down' && e.peer === 'flaky');
    raw.sendBytes(pack({ v: 1, ch: 'default', k: 'data', b: { msg: 1, extra: true } }));
    expectClose(await raw.closed, CloseCode.PolicyViolation, 'unexpected field');
    await down;
    expect(a.counters.snapshot().closes[CloseCode.PolicyViolation]).toBe(1);
    await stillAcceptsGoodPeers(a, 'good');
  });
});
