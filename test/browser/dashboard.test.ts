/**
 * The dashboard in a real (headless) Chromium against a live cluster: node1 runs in
 * this process and serves the page; node2..node5 are CLI processes, so one can be
 * killed with SIGKILL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFromSecret } from '../../src/admin/admin-auth.js';
import { createLogger } from '../../src/log/logger.js';
import { type PlumtreeNode, startNode } from '../../src/node/node.js';
import { type CliProcess, runCliProcess } from '../support/cli.js';
import { type BrowserSession, chromiumAvailable, openBrowser } from './chromium.js';

// The page's globals, for the functions that run in the browser (this project compiles without the DOM lib).
interface PageElement {
  getAttribute(name: string): string | null;
  readonly textContent: string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { readonly length: number };
};
declare const window: Record<string, unknown>;

const SECRET = 'dashboard-browser-test-secret';
const silent = createLogger({ level: 'silent' });

/** The eager links the page draws, as `[a, b]` pairs. */
async function eagerLinks(s: BrowserSession): Promise<[string, string][]> {
  return s.page.$$eval('#tree [data-edge="eager"]', (els) =>
    els.map(
      (e) => [e.getAttribute('data-a') ?? '', e.getAttribute('data-b') ?? ''] as [string, string],
    ),
  );
}

/** True when `links` connect every one of `nodes` with no cycle. */
function isSpanningTree(nodes: readonly string[], links: readonly [string, string][]): boolean {
  if (links.length !== nodes.length - 1) return false;
  const parent = new Map(nodes.map((n) => [n, n]));
  const find = (n: string): string => {
    const p = parent.get(n) ?? n;
    return p === n ? n : find(p);
  };
  for (const [a, b] of links) {
    if (!parent.has(a) || !parent.has(b)) return false;
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return false;
    parent.set(ra, rb);
  }
  return true;
}

describe.skipIf(!chromiumAvailable)('dashboard in Chromium on a 5-node cluster', () => {
  let node1: PlumtreeNode;
  let others: CliProcess[] = [];
  let browser: BrowserSession;
  let base: string;

  const put = (key: string, value: unknown) =>
    fetch(`${base}/kv/${encodeURIComponent(key)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
    });

  beforeAll(async () => {
    node1 = await startNode({
      name: 'node1',
      secret: SECRET,
      adminPort: 0,
      broadcast: { lazyTickPeriod: 200 },
      logger: silent,
    });
    base = `http://127.0.0.1:${node1.adminPort}`;
    others = ['node2', 'node3', 'node4', 'node5'].map((name) =>
      runCliProcess([
        'node',
        '--name',
        name,
        '--secret',
        SECRET,
        '--join',
        `127.0.0.1:${node1.address.port}`,
        '--lazy-tick',
        '200',
        '--log-level',
        'warn',
      ]),
    );
    await Promise.all(others.map((p) => p.line((l) => l.includes('"listening"'), 40_000)));
    browser = await openBrowser();
    await browser.page.goto(`${base}/`);
    await browser.page.evaluate(() => {
      window.loadedOnce = true;
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of others) p.proc.kill('SIGTERM');
    await Promise.all(others.map((p) => p.exit));
    await node1?.stop();
  }, 30_000);

  it('lists the five members as up', async () => {
    await browser.page.waitForFunction(
      () => document.querySelectorAll('#members tr[data-up="true"]').length === 5,
      undefined,
      { timeout: 15_000 },
    );
    const names = await browser.page.$$eval('#members tr[data-member]', (rows) =>
      rows.map((r) => r.getAttribute('data-member')),
    );
    expect(names).toEqual(['node1', 'node2', 'node3', 'node4', 'node5']);
  });

  it('draws the tree of node1 as 4 eager links spanning the five nodes', async () => {
    // Broadcasts from node1 prune the redundant links until the eager ones form its tree.
    let settled = false;
    const pruning = (async () => {
      for (let i = 0; !settled && i < 100; i++) {
        await put(`warmup/${i}`, i);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      await browser.page.waitForFunction(
        () =>
          document.querySelectorAll('#tree [data-edge="eager"]').length === 4 &&
          document.querySelectorAll('#tree [data-status="up"]').length === 5,
        undefined,
        { timeout: 20_000, polling: 100 },
      );
    } finally {
      settled = true;
      await pruning;
    }
    const links = await eagerLinks(browser);
    expect(isSpanningTree(['node1', 'node2', 'node3', 'node4', 'node5'], links)).toBe(true);
  });

  it('shows a node killed with SIGKILL as down within 5 s, without reloading, and redraws the tree without it', async () => {
    const victim = others[1] as CliProcess; // node3
    victim.proc.kill('SIGKILL');
    await victim.exit;
    await browser.page.waitForFunction(
      () =>
        document.querySelector('#members tr[data-member="node3"]')?.getAttribute('data-up') ===
          'false' &&
        document.querySelector('#tree [data-node="node3"]')?.getAttribute('data-status') ===
          'down' &&
        document.querySelectorAll('#tree [data-a="node3"], #tree [data-b="node3"]').length === 0,
      undefined,
      { timeout: 5_000, polling: 100 },
    );
    expect(await browser.page.evaluate(() => window.loadedOnce)).toBe(true);
  });

  it('shows a key put through the API in the store view', async () => {
    expect((await put('colour', { name: 'teal' })).status).toBe(200);
    const row = browser.page.locator('#store tr[data-key="colour"]');
    await row.waitFor({ timeout: 5_000 });
    expect(await row.textContent()).toContain('"name":"teal"');
  });

  it('removes a key deleted through the API from the store view', async () => {
    await browser.page.locator('#store tr[data-key="colour"]').waitFor({ timeout: 5_000 });
    const res = await fetch(`${base}/kv/colour`, { method: 'DELETE' });
    expect(res.ok).toBe(true);
    await browser.page
      .locator('#store tr[data-key="colour"]')
      .waitFor({ state: 'detached', timeout: 5_000 });
    expect(await browser.page.locator('#store-changes li.deleted').count()).toBeGreaterThan(0);
  });

  it('logs no console errors', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe.skipIf(!chromiumAvailable)('dashboard of an admin API bound beyond loopback', () => {
  const secret = 'token-flow-secret-0123';
  let node: PlumtreeNode;
  let browser: BrowserSession;
  let base: string;

  beforeAll(async () => {
    node = await startNode({
      name: 'guarded',
      secret,
      adminHost: '0.0.0.0',
      adminPort: 0,
      logger: silent,
    });
    base = `http://127.0.0.1:${node.adminPort}`;
    browser = await openBrowser();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('answers the JSON API only with the token derived from the secret', async () => {
    expect((await fetch(`${base}/members`)).status).toBe(401);
    const ok = await fetch(`${base}/members`, {
      headers: { authorization: `Bearer ${adminTokenFromSecret(secret)}` },
    });
    expect(await ok.json()).toEqual({ members: ['guarded'] });
  });

  it('asks for the token, refuses a wrong one, and shows the node once given the right one', async () => {
    const { page } = browser;
    await page.goto(`${base}/`);
    await page.locator('#auth').waitFor({ state: 'visible', timeout: 5_000 });
    await page.fill('#auth-token', 'not-the-right-token-at-all');
    await page.click('#auth button[type="submit"]');
    await page.waitForFunction(
      () => document.querySelector('#auth-error')?.textContent?.includes('refused'),
      undefined,
      { timeout: 5_000 },
    );
    await page.fill('#auth-token', adminTokenFromSecret(secret));
    await page.click('#auth button[type="submit"]');
    await page.locator('#members tr[data-member="guarded"][data-up="true"]').waitFor({
      timeout: 5_000,
    });
    expect(page.url()).not.toContain(adminTokenFromSecret(secret));
    expect(await page.locator('#auth').isHidden()).toBe(true);
  });

  it('logs no console errors beyond the refused requests', () => {
    expect(browser.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
