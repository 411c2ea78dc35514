/** `plumtree demo --keep`: the cluster stays up with a dashboard on every node until SIGINT. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitWithin, runCliProcess } from '../support/cli.js';

describe('plumtree demo --keep', () => {
  it('keeps the cluster running with each node dashboard until SIGINT, then exits 0', async () => {
    const out = await mkdtemp(join(tmpdir(), 'plumtree-demo-keep-'));
    const p = runCliProcess([
      'demo',
      '--nodes',
      '3',
      '--messages',
      '5',
      '--keep',
      '--json',
      '--out',
      out,
    ]);
    try {
      const line = await p.line((l) => l.includes('"dashboards"'), 60_000);
      const { dashboards, allDelivered } = JSON.parse(line) as {
        dashboards: Record<string, string>;
        allDelivered: boolean;
      };
      expect(allDelivered).toBe(true);
      expect(Object.keys(dashboards)).toEqual(['node1', 'node2', 'node3']);
      for (const [name, url] of Object.entries(dashboards)) {
        const page = await fetch(url);
        expect(page.headers.get('content-type')).toContain('text/html');
        expect(await (await fetch(new URL('health', url))).json()).toEqual({ name, status: 'up' });
      }
      p.proc.kill('SIGINT');
      expect(await exitWithin(p, 20_000)).toBe(0);
      await expect(fetch(dashboards.node1 as string)).rejects.toThrow();
    } finally {
      p.proc.kill('SIGKILL');
      await rm(out, { recursive: true, force: true });
    }
  }, 90_000);
});
