import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { until, useNodes } from '../cluster/helpers.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('plumtree kv against a running node', () => {
  const nodes = useNodes();
  const admin = async () => {
    const n = await nodes.start('a', { adminPort: 0 });
    return { node: n, url: `http://127.0.0.1:${n.adminPort}` };
  };

  it('put and get under --prefix, then del', async () => {
    const { node, url } = await admin();
    const c = capture();
    expect(
      await runCli(['kv', 'put', '--admin', url, '--prefix', 'app/config', 'k', '7'], c.io),
    ).toBe(0);
    expect(node.metadata.read(['app', 'config'], 'k')?.values).toEqual([7]);
    expect(await runCli(['kv', 'get', '--admin', url, '--prefix', 'app/config', 'k'], c.io)).toBe(
      0,
    );
    expect(c.out.at(-1)).toBe('7');
    expect(await runCli(['kv', 'del', '--admin', url, '--prefix', 'app/config', 'k'], c.io)).toBe(
      0,
    );
    expect(node.metadata.read(['app', 'config'], 'k')?.deleted).toBe(true);
    expect(await runCli(['kv', 'get', '--admin', url, '--prefix', 'app/config', 'k'], c.io)).toBe(
      1,
    );
  });

  it('put with a stale --context fails with the conflict and writes nothing', async () => {
    const { url } = await admin();
    const c = capture();
    await runCli(['kv', 'put', '--admin', url, 'k', '1'], c.io);
    await runCli(['kv', 'get', '--admin', url, '--json', 'k'], c.io);
    const { context } = JSON.parse(c.out.at(-1) ?? '{}') as { context: string };
    await runCli(['kv', 'put', '--admin', url, 'k', '2'], c.io);
    expect(await runCli(['kv', 'put', '--admin', url, '--context', context, 'k', '3'], c.io)).toBe(
      1,
    );
    expect(c.err.at(-1)).toMatch(/409 stale context/);
    await runCli(['kv', 'get', '--admin', url, 'k'], c.io);
    expect(c.out.at(-1)).toBe('2');
  });

  it('list prints every page', async () => {
    const { node, url } = await admin();
    for (let i = 0; i < 5; i++) await node.metadata.put(['p', 's'], `k${i}`, i);
    const c = capture();
    expect(await runCli(['kv', 'list', '--admin', url, '--prefix', 'p/s'], c.io)).toBe(0);
    expect(c.out).toEqual(['k0\t0', 'k1\t1', 'k2\t2', 'k3\t3', 'k4\t4']);
    const one = capture();
    expect(
      await runCli(['kv', 'list', '--admin', url, '--prefix', 'p/s', '--limit', '2'], one.io),
    ).toBe(0);
    expect(one.out).toEqual(['k0\t0', 'k1\t1']);
    expect(one.err[0]).toMatch(/^more: --cursor /);
  });

  it('watch prints each change and exits after --count', async () => {
    const { node, url } = await admin();
    const c = capture();
    const watching = runCli(['kv', 'watch', '--admin', url, '--prefix', 'p', '--count', '2'], c.io);
    await until('ready', () => c.out.some((l) => l.includes('"event":"ready"')));
    await node.metadata.put(['p', 's'], 'k', 'v');
    await node.metadata.delete(['p', 's'], 'k');
    expect(await watching).toBe(0);
    const events = c.out.map((l) => JSON.parse(l) as { event: string; key?: string });
    expect(events.map((e) => e.event)).toEqual(['ready', 'put', 'delete']);
  });

  it('an unknown prefix form is a clear error', async () => {
    const { url } = await admin();
    const c = capture();
    expect(await runCli(['kv', 'put', '--admin', url, '--prefix', 'a/b/c', 'k', '1'], c.io)).toBe(
      1,
    );
    expect(c.err.at(-1)).toMatch(/unknown prefix form/);
  });
});
