/**
 * The system's Chromium for the browser tests, driven through playwright-core (which
 * downloads no browser of its own). Without the browser the tests skip with a message;
 * under CI=true a missing browser fails the run instead.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's `chromium` package, or PLUMTREE_CHROMIUM. */
export const CHROMIUM_PATH = process.env.PLUMTREE_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

if (!chromiumAvailable) {
  const msg = `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set PLUMTREE_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`browser tests cannot run: ${msg}`);
  console.warn(`skipping the browser tests: ${msg}`);
}

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless browser with a fresh profile, its first page, and what the page logged as errors. */
export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium headless in a fresh user-data-dir and opens one page. */
export async function openBrowser(
  viewport = { width: 1400, height: 1000 },
): Promise<BrowserSession> {
  const profile = await mkdtemp(join(tmpdir(), 'plumtree-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
