import { afterEach, describe, expect, it } from 'vitest';
import { type AdminServer, startAdminServer } from '../../src/admin/index.js';
import { runCli } from '../../src/cli/main.js';
import { renderTree } from '../../src/cli/tree-render.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

async function fakeNode() {
  const kv = new Map<string, unknown>();
  admin = await startAdminServer(
    {
      name: 'a',
      members: async () => ['a', 'b', 'c'],
      peers: async () => ({ eagers: [], lazys: [] }),
      tree: async () => ({
        a: { eagers: ['b'], lazys: ['c'] },
        b: { eagers: ['a', 'c'], lazys: [] },
        c: { eagers: ['b'], lazys: ['a'] },
      }),
      exchanges: async () => [],
      kvPut: async (k, v) => {
        kv.set(k, v);
      },
      kvGet: async (k) => (kv.has(k) ? { found: true, value: kv.get(k) } : { found: false }),
      join: async () => {},
      leave: async () => {},
      metrics: async () => '',
    },
    { port: 0 },
  );
  return `http://127.0.0.1:${admin.port}`;
}

describe('CLI usage errors exit 2 with a message', () => {
  it('no command', async () => {
    const c = capture();
    expect(await runCli([], c.io)).toBe(2);
    expect(c.out.join('\n')).toContain('usage: plumtree <command>');
  });

  it('an unknown command', async () => {
    const c = capture();
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err).toEqual(['plumtree: unknown command "frobnicate"; try plumtree --help']);
  });

  it('an unknown flag', async () => {
    const c = capture();
    expect(await runCli(['members', '--admin', 'http://x', '--bogus'], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/^plumtree members: .*--bogus/);
  });

  it('a missing --admin', async () => {
    const c = capture();
    expect(await runCli(['kv', 'get', 'k'], c.io)).toBe(2);
    expect(c.err[0]).toContain('--admin is required');
  });

  it('kv without put or get', async () => {
    const c = capture();
    expect(await runCli(['kv', 'delete', 'k', '--admin', 'http://127.0.0.1:1'], c.io)).toBe(2);
  });

  it('an --admin that is not a URL', async () => {
    const c = capture();
    expect(await runCli(['members', '--admin', 'localhost'], c.io)).toBe(2);
    expect(c.err[0]).toContain('--admin must be a URL');
  });
});

describe('CLI help', () => {
  it.each(['node', 'demo', 'kv', 'tree', 'members'])(
    '%s --help prints usage and exits 0',
    async (cmd) => {
      const c = capture();
      expect(await runCli([cmd, '--help'], c.io)).toBe(0);
      expect(c.out.join('\n')).toContain(`plumtree ${cmd}`);
    },
  );
});

describe('CLI against a node admin API', () => {
  it('kv put then kv get returns the value as JSON', async () => {
    const url = await fakeNode();
    const c = capture();
    expect(await runCli(['kv', 'put', '--admin', url, 'colour', '{"r":255}'], c.io)).toBe(0);
    expect(await runCli(['kv', 'get', '--admin', url, 'colour'], c.io)).toBe(0);
    expect(c.out).toEqual(['ok', '{"r":255}']);
  });

  it('kv get of a missing key is a runtime error (exit 1)', async () => {
    const url = await fakeNode();
    const c = capture();
    expect(await runCli(['kv', 'get', '--admin', url, 'missing'], c.io)).toBe(1);
    expect(c.err[0]).toContain('404 no such key: missing');
  });

  it('members prints one member per line', async () => {
    const url = await fakeNode();
    const c = capture();
    expect(await runCli(['members', '--admin', url], c.io)).toBe(0);
    expect(c.out).toEqual(['a', 'b', 'c']);
  });

  it('tree draws the eager tree', async () => {
    const url = await fakeNode();
    const c = capture();
    expect(await runCli(['tree', '--admin', url], c.io)).toBe(0);
    expect(c.out[0]).toBe(['a', '└── b', '    └── c  (lazy: a)'].join('\n'));
  });

  it('an admin API nobody listens on is a runtime error (exit 1)', async () => {
    const c = capture();
    const url = await fakeNode();
    await admin?.close();
    admin = undefined;
    expect(await runCli(['members', '--admin', url], c.io)).toBe(1);
    expect(c.err[0]).toContain('cannot reach the admin API');
  });
});

describe('renderTree', () => {
  it('marks down nodes and nodes no eager link reaches', () => {
    const text = renderTree('a', {
      a: { eagers: ['b'], lazys: [] },
      b: { eagers: ['a'], lazys: [] },
      c: 'down',
      d: { eagers: [], lazys: ['a'] },
    });
    expect(text.split('\n')).toEqual([
      'a',
      '└── b',
      'c  (down)',
      'd  (not reached by eager links)',
    ]);
  });
});

describe('treeSvg', () => {
  it('draws every node once, eager links solid and lazy links dashed', async () => {
    const { treeSvg } = await import('../../src/cli/tree-svg.js');
    const svg = treeSvg('a', {
      a: { eagers: ['b'], lazys: ['c'] },
      b: { eagers: ['a', 'c'], lazys: [] },
      c: { eagers: ['b'], lazys: ['a'] },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const n of ['a', 'b', 'c'])
      expect(svg.match(new RegExp(`>${n}</text>`, 'g'))).toHaveLength(1);
    expect(svg.match(/stroke="#1f6feb"/g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
  });
});
