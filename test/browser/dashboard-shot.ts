/**
 * `npm run dashboard-shot [-- --out FILE]`: starts the 8-node demo with `--keep`, drives
 * some store traffic through several nodes, opens node1's dashboard in headless
 * Chromium and saves a screenshot (default docs/dashboard.png), then stops the demo
 * with SIGINT as a user's Ctrl-C would and checks it exits cleanly.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromiumAvailable, openBrowser } from './chromium.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? (process.argv[outIndex + 1] ?? '') : 'docs/dashboard.png';
const TRAFFIC_MS = 40_000;

if (!chromiumAvailable) {
  console.error('no Chromium: apt-get install -y chromium (or set PLUMTREE_CHROMIUM)');
  process.exit(1);
}

const demo = spawn(
  process.execPath,
  ['--import', 'tsx', BIN, 'demo', '--nodes', '8', '--messages', '100', '--json', '--keep'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
const report = await new Promise<{
  dashboards: Record<string, string>;
  pids: Record<string, number>;
}>((resolve, reject) => {
  let buf = '';
  demo.stdout.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    const line = buf.split('\n').find((l) => l.includes('"dashboards"'));
    if (line) resolve(JSON.parse(line));
  });
  void exited.then((code) => reject(new Error(`the demo exited (${code}) before its report`)));
});
const urls = Object.values(report.dashboards);
console.error(`demo running; dashboards: ${urls.join(' ')}`);

const browser = await openBrowser({ width: 1440, height: 900 });
try {
  await browser.page.goto(urls[0] as string);
  // Writes from every node: broadcasts of several roots, repairs, and store changes
  // arriving. Node8 is killed with SIGKILL two thirds of the way through, so the plots
  // show the repair and the picture shows how a down node looks.
  const start = Date.now();
  let live = urls;
  for (let i = 0; Date.now() < start + TRAFFIC_MS; i++) {
    if (live === urls && Date.now() > start + (TRAFFIC_MS * 2) / 3) {
      process.kill(report.pids.node8 as number, 'SIGKILL');
      live = urls.filter((u) => u !== report.dashboards.node8);
    }
    const url = live[i % live.length] as string;
    const burst = 1 + (Math.floor(i / 20) % 4);
    await Promise.all(
      Array.from({ length: burst }, (_, j) =>
        fetch(new URL(`kv/sensor/${(i * 7 + j) % 23}`, url), {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            value: {
              reading: Math.round(Math.random() * 1000) / 10,
              via: Object.keys(report.dashboards).find((n) => report.dashboards[n] === url),
            },
          }),
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 120));
  }
  await browser.page.waitForFunction(
    'document.querySelector(\'#tree [data-node="node8"]\')?.getAttribute("data-status") === "down"',
  );
  await browser.page.screenshot({ path: out, fullPage: true });
  console.error(`screenshot written to ${out}`);
  if (browser.errors.length > 0)
    throw new Error(`the page logged errors: ${browser.errors.join(' | ')}`);
} finally {
  await browser.close();
  demo.kill('SIGINT');
}
const code = await exited;
console.error(`demo stopped on SIGINT with exit code ${code}`);
process.exit(code === 0 ? 0 : 1);
