import { afterEach, describe, expect, it } from 'vitest';
import type { From } from '../../src/actors/index.js';
import {
  PeerDownError,
  RemoteCallTimeoutError,
  RemoteExitError,
  RemoteNoProcError,
} from '../../src/channels/errors.js';
import { Cluster, nextPeerEvent } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

type EchoCall = { op: 'echo'; value: unknown } | { op: 'ignore' } | { op: 'crash' };

/** Starts an `echo` service on `node`: replies, ignores or crashes; forwards casts to `onCast`. */
async function startEcho(
  node: Awaited<ReturnType<Cluster['node']>>,
  onCast: (msg: unknown) => void = () => undefined,
): Promise<void> {
  await cluster.service(node, 'echo', {
    init: () => null,
    handleCall(msg: EchoCall, _from: From<unknown>, state: null) {
      if (msg.op === 'echo') return { reply: msg.value, state };
      if (msg.op === 'crash') throw new Error('echo crashed on purpose');
      return { noreply: true as const, state };
    },
    handleCast(msg: unknown, state: null) {
      onCast(msg);
      return state;
    },
  });
}

async function pair() {
  const a = await cluster.node('a');
  const b = await cluster.node('b');
  const bSeesA = nextPeerEvent(b, (e) => e.type === 'up' && e.peer === 'a');
  await a.connect(b.spec);
  await bSeesA;
  return { a, b };
}

describe('remote cast and call', () => {
  it('calls a named actor on a peer and gets its reply, both ways', async () => {
    const { a, b } = await pair();
    await startEcho(b);
    await startEcho(a);
    const reply = await a.callRemote({ name: 'echo', node: 'b' }, { op: 'echo', value: [1, 'x'] });
    expect(reply).toEqual([1, 'x']);
    const back = await b.callRemote(
      { name: 'echo', node: 'a' },
      { op: 'echo', value: { n: 2 } },
      2_000,
      { channel: 'membership' },
    );
    expect(back).toEqual({ n: 2 });
    // a node may address itself the same way
    expect(await a.callRemote({ name: 'echo', node: 'a' }, { op: 'echo', value: 3 })).toBe(3);
  });

  it('casts to a named actor on a peer', async () => {
    const { a, b } = await pair();
    let delivered: (msg: unknown) => void = () => undefined;
    const got = new Promise<unknown>((resolve) => {
      delivered = resolve;
    });
    await startEcho(b, (msg) => delivered(msg));
    a.castRemote({ name: 'echo', node: 'b' }, { hello: 'there' });
    expect(await got).toEqual({ hello: 'there' });
  });

  it('rejects a call to a name nobody registered with RemoteNoProcError', async () => {
    const { a } = await pair();
    const startedAt = performance.now();
    const error = await a
      .callRemote({ name: 'missing', node: 'b' }, 'anyone?', 2_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteNoProcError);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it('rejects a call the peer never answers with RemoteCallTimeoutError within its timeout', async () => {
    const { a, b } = await pair();
    await startEcho(b);
    const startedAt = performance.now();
    const error = await a
      .callRemote({ name: 'echo', node: 'b' }, { op: 'ignore' }, 300)
      .catch((e: unknown) => e);
    const elapsed = performance.now() - startedAt;
    expect(error).toBeInstanceOf(RemoteCallTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('rejects with RemoteExitError when the callee crashes before replying', async () => {
    const { a, b } = await pair();
    await startEcho(b);
    const error = await a
      .callRemote({ name: 'echo', node: 'b' }, { op: 'crash' }, 2_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteExitError);
  });

  it('rejects calls to an unknown or down peer with PeerDownError within the timeout', async () => {
    const { a, b } = await pair();
    await startEcho(b);
    const unknown = await a
      .callRemote({ name: 'echo', node: 'nobody' }, { op: 'echo', value: 1 }, 300)
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PeerDownError);

    // a call in flight when the peer goes away fails at once
    const inFlight = a
      .callRemote({ name: 'echo', node: 'b' }, { op: 'ignore' }, 10_000)
      .catch((e: unknown) => e);
    const down = nextPeerEvent(a, (e) => e.type === 'down');
    await cluster.stopNode(b);
    await down;
    expect(await inFlight).toBeInstanceOf(PeerDownError);

    // a call to the down peer waits for a reconnect within its timeout, then gives up
    const startedAt = performance.now();
    const later = await a
      .callRemote({ name: 'echo', node: 'b' }, { op: 'echo', value: 1 }, 300)
      .catch((e: unknown) => e);
    expect(later).toBeInstanceOf(PeerDownError);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });
});
