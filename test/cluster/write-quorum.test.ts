import { describe, expect, it } from 'vitest';
import { KV_PREFIX, type PlumtreeNode } from '../../src/node/index.js';
import { membersAre, seedOf, until, useNodes } from './helpers.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function put(node: PlumtreeNode, path: string, value: unknown): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${node.adminPort}${path}`, {
    method: 'PUT',
    body: JSON.stringify({ value }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function counted(metrics: string, outcome: string): number {
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith(`plumtree_metadata_write_quorum_total{outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('write quorum', () => {
  const nodes = useNodes();

  async function pair(): Promise<[PlumtreeNode, PlumtreeNode]> {
    const a = await nodes.start('a', { adminPort: 0 });
    const b = await nodes.start('b', { adminPort: 0, join: [seedOf(a)] });
    await membersAre([a, b], ['a', 'b']);
    await until('a and b connected', () => a.channels.connectedPeers().includes('b'));
    return [a, b];
  }

  it('a single node acknowledges a write by itself (w = auto is 1 with no peer)', async () => {
    const a = await nodes.start('a', { adminPort: 0 });
    const answer = await put(a, '/kv/k', 1);
    expect(answer).toMatchObject({ status: 200, body: { ok: true, replicas: ['a'] } });
    expect(counted(await a.metrics(), 'local')).toBe(1);
  });

  it('with a peer reachable, a PUT is acknowledged only once the peer holds the write', async () => {
    const [a, b] = await pair();
    const answer = await put(a, '/kv/k', 'kept');
    expect(answer).toMatchObject({ status: 200, body: { ok: true, replicas: ['a', 'b'] } });
    // Read at the moment of the acknowledgement, before anything else could run.
    expect(b.metadata.read(KV_PREFIX, 'k')?.values).toEqual(['kept']);
    expect(counted(await a.metrics(), 'met')).toBe(1);
  });

  it('the programmatic put resolves with the replicas that hold the write', async () => {
    const [a, b] = await pair();
    const result = await a.metadata.put(['app', 'config'], 'k', 7);
    expect(result.replicas).toEqual(['a', 'b']);
    expect(b.metadata.read(['app', 'config'], 'k')?.values).toEqual([7]);
  });

  it('a write no peer can hold gets 503 with the reason, is counted, and stays local', async () => {
    const a = await nodes.start('a', { adminPort: 0 });
    const answer = await put(a, '/kv/k?w=2', 'alone');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ reason: 'unreachable', needed: 2, replicas: ['a'] });
    expect(String(answer.body.error)).toMatch(/held by 1 of the 2 replicas required/);
    expect(counted(await a.metrics(), 'unreachable')).toBe(1);
    expect(a.metadata.read(KV_PREFIX, 'k')?.values).toEqual(['alone']);
  });

  it('a peer cut off does not count: w = 2 fails, w = auto falls back to this node', async () => {
    const [a] = await pair();
    await a.channels.block('b');
    await expect(a.metadata.put(KV_PREFIX, 'k', 1, { w: 2 })).rejects.toMatchObject({
      name: 'WriteQuorumError',
      reason: 'unreachable',
      needed: 2,
      replicas: ['a'],
    });
    expect((await a.metadata.put(KV_PREFIX, 'k', 2)).replicas).toEqual(['a']);
  });

  it('a quorum above the cluster size is refused at once', async () => {
    const [a] = await pair();
    await expect(a.metadata.put(KV_PREFIX, 'k', 1, { w: 3 })).rejects.toThrow(
      /held by 1 of the 3 replicas required \(unreachable: 1 peer\(s\) reachable, 2 needed\)/,
    );
  });

  it('the node option sets the default quorum, and a bad w is a 400 that writes nothing', async () => {
    const a = await nodes.start('a', { adminPort: 0, metadata: { writeQuorum: 2 } });
    expect((await put(a, '/kv/k', 1)).status).toBe(503);
    expect((await put(a, '/kv/k2?w=1', 1)).status).toBe(200);
    const bad = await put(a, '/kv/k3?w=zero', 1);
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toMatch(/w must be an integer >= 1 or "auto"/);
    expect(a.metadata.read(KV_PREFIX, 'k3')).toBeUndefined();
  });
});
