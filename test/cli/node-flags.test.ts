import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseNodeConfig } from '../../src/cli/node-config.js';
import { applyNodeFlags, checkSeed, NODE_FLAGS } from '../../src/cli/node-flags.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { silentLogger } from '../../src/log/index.js';
import { type PlumtreeNode, startNode } from '../../src/node/index.js';
import { membersAre } from '../cluster/helpers.js';
import { type CliProcess, exitWithin, runCliProcess } from '../support/cli.js';

const FIXTURES = fileURLToPath(new URL('../channels/fixtures/', import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('plumtree node flags', () => {
  it('every flag has the PLUMTREE_ variable named after it', () => {
    for (const f of NODE_FLAGS) {
      expect(f.env).toBe(`PLUMTREE_${f.flag.toUpperCase().replaceAll('-', '_')}`);
    }
  });

  it('--help documents every flag and its variable, and --config', async () => {
    const { io, out } = capture();
    expect(await runCli(['node', '--help'], io)).toBe(0);
    const help = out.join('\n');
    for (const f of NODE_FLAGS) {
      expect(help).toContain(`--${f.flag}`);
      expect(help).toContain(f.env);
    }
    expect(help).toContain('--config FILE');
    expect(help).toContain('PLUMTREE_CONFIG');
  });

  it('a flag beats its variable, which beats the config file', () => {
    const config = { name: 'from-file', port: 1, downAfterMs: 5 };
    const env = { PLUMTREE_NAME: 'from-env', PLUMTREE_PORT: '2' };
    const out = applyNodeFlags(config, { name: 'from-flag' }, env);
    expect(out.name).toBe('from-flag');
    expect(out.port).toBe(2);
    expect(out.downAfterMs).toBe(5);
  });

  it('reads lists, booleans and integers from the environment', () => {
    const out = applyNodeFlags(
      {},
      {},
      {
        PLUMTREE_JOIN: 'a:1, dns:seeds.local,srv:_p._tcp.x',
        PLUMTREE_INSECURE: 'true',
        PLUMTREE_DOWN_AFTER: '0',
        PLUMTREE_OVERLAY: 'hyparview',
        PLUMTREE_LAZY_TICK: '20',
      },
    );
    expect(out.join).toEqual(['a:1', 'dns:seeds.local', 'srv:_p._tcp.x']);
    expect(out.insecure).toBe(true);
    expect(out.downAfterMs).toBe(0);
    expect(out.overlay).toBe('hyparview');
    expect(out.broadcast?.lazyTickPeriod).toBe(20);
  });

  it('--write-quorum and --write-timeout set the metadata store options', () => {
    const out = applyNodeFlags(
      { metadata: { maxKeyLength: 64 } },
      { 'write-quorum': '3' },
      { PLUMTREE_WRITE_TIMEOUT: '2500' },
    );
    expect(out.metadata).toEqual({ maxKeyLength: 64, writeQuorum: 3, writeTimeoutMs: 2500 });
    expect(applyNodeFlags({}, { 'write-quorum': 'auto' }, {}).metadata).toEqual({
      writeQuorum: 'auto',
    });
    expect(() => applyNodeFlags({}, { 'write-quorum': '0' }, {})).toThrow(
      /--write-quorum must be auto or an integer >= 1/,
    );
  });

  it('an empty variable counts as unset', () => {
    expect(applyNodeFlags({ name: 'x' }, {}, { PLUMTREE_NAME: '' }).name).toBe('x');
  });

  it('refuses a bad integer, boolean or choice with the variable it came from', () => {
    expect(() => applyNodeFlags({}, {}, { PLUMTREE_DOWN_AFTER: '-1' })).toThrow(
      /PLUMTREE_DOWN_AFTER/,
    );
    expect(() => applyNodeFlags({}, {}, { PLUMTREE_INSECURE: 'maybe' })).toThrow(UsageError);
    expect(() => applyNodeFlags({}, { overlay: 'mesh' }, {})).toThrow(/full, hyparview/);
  });

  it('--tls-cert, --tls-key and --tls-ca read PEM files', () => {
    const out = applyNodeFlags(
      {},
      {
        'tls-cert': join(FIXTURES, 'node.pem'),
        'tls-key': join(FIXTURES, 'node.key'),
        'tls-ca': join(FIXTURES, 'ca.pem'),
      },
      {},
    );
    const tls = out.tls as { cert: string; key: string; ca: string };
    expect(tls.cert).toContain('BEGIN CERTIFICATE');
    expect(tls.key).toContain('PRIVATE KEY');
    expect(tls.ca).toContain('BEGIN CERTIFICATE');
    expect(() => applyNodeFlags({}, { 'tls-cert': join(FIXTURES, 'missing.pem') }, {})).toThrow(
      /cannot read/,
    );
  });

  it('accepts HOST:PORT, dns:NAME[:PORT] and srv:NAME seeds and refuses others', () => {
    for (const ok of [
      '127.0.0.1:9000',
      'dns:plumtree.default.svc',
      'dns:seeds:9000',
      'srv:_p._tcp.x',
    ])
      expect(() => checkSeed(ok)).not.toThrow();
    for (const bad of ['nowhere', 'dns:', 'srv:x:9000', 'dns:a:0', 'dns:a b'])
      expect(() => checkSeed(bad)).toThrow(UsageError);
  });
});

describe('plumtree node --config', () => {
  it('takes the keys of startNode options', () => {
    const config = parseNodeConfig('c.json', {
      name: 'a',
      overlay: 'hyparview',
      downAfterMs: 10_000,
      broadcast: { lazyTickPeriod: 100, options: { graftTimeout1: 100 } },
      hyparview: { activeMaxSize: 4 },
      logLevel: 'warn',
    });
    expect(config.overlay).toBe('hyparview');
  });

  it('takes the failure detector and the periodic gossip fanout', () => {
    const config = parseNodeConfig('c.json', {
      name: 'a',
      probe: { periodMs: 2000, ackTimeoutMs: 500, indirectProbes: 2 },
      periodicFanout: 4,
    });
    expect(config.probe).toEqual({ periodMs: 2000, ackTimeoutMs: 500, indirectProbes: 2 });
    expect(config.periodicFanout).toBe(4);
  });

  it('refuses an unknown key, at the top or nested, naming it', () => {
    expect(() => parseNodeConfig('c.json', { nmae: 'a' })).toThrow(/unknown key nmae/);
    expect(() => parseNodeConfig('c.json', { ping: { every: 1 } })).toThrow(/ping\.every/);
    expect(() => parseNodeConfig('c.json', { broadcast: { options: { nope: 1 } } })).toThrow(
      /broadcast\.options\.nope/,
    );
    expect(() => parseNodeConfig('c.json', { hyparview: { fanout: 1 } })).toThrow(
      /hyparview\.fanout/,
    );
  });

  it('takes the metadata store options, the write quorum as "auto" or an integer', () => {
    const metadata = { writeQuorum: 'auto', writeTimeoutMs: 100, maxValueBytes: 10 };
    expect(parseNodeConfig('c.json', { metadata }).metadata).toEqual(metadata);
    expect(() => parseNodeConfig('c.json', { metadata: { writeQuorum: 'all' } })).toThrow(
      /metadata\.writeQuorum must be "auto" or an integer/,
    );
    expect(() => parseNodeConfig('c.json', { metadata: { quorum: 2 } })).toThrow(
      /unknown key metadata\.quorum/,
    );
  });

  it('refuses a value of the wrong type, and anything but an object', () => {
    expect(() => parseNodeConfig('c.json', { port: '9000' })).toThrow(/port must be an integer/);
    expect(() => parseNodeConfig('c.json', { join: 'a:1' })).toThrow(/join/);
    expect(() => parseNodeConfig('c.json', [])).toThrow(/one JSON object/);
  });

  it('a config file with an unknown key is a usage error of the command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plumtree-config-'));
    try {
      const file = join(dir, 'node.json');
      await writeFile(file, JSON.stringify({ name: 'a', insecure: true, colour: 'teal' }));
      const { io, err } = capture();
      expect(await runCli(['node', '--config', file], io)).toBe(2);
      expect(err.join('\n')).toContain('unknown key colour');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

let running: CliProcess | undefined;
let started: PlumtreeNode[] = [];
afterEach(async () => {
  running?.proc.kill('SIGTERM');
  if (running) await exitWithin(running, 10_000);
  running = undefined;
  await Promise.all(started.map((n) => n.stop()));
  started = [];
});

describe('plumtree node, end to end', () => {
  it('runs from a config file, with flags overriding it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plumtree-config-'));
    try {
      const file = join(dir, 'node.json');
      await writeFile(
        file,
        JSON.stringify({ name: 'from-file', insecure: true, adminPort: 0, overlay: 'hyparview' }),
      );
      running = runCliProcess(['node', '--config', file, '--name', 'from-flag'], {
        PLUMTREE_SECRET: '',
      });
      const line = await running.line((l) => l.includes('"listening"'), 30_000);
      const ready = JSON.parse(line) as { name: string; overlay: string; adminPort: number };
      expect(ready.name).toBe('from-flag');
      expect(ready.overlay).toBe('hyparview');
      const health = await fetch(`http://127.0.0.1:${ready.adminPort}/health`);
      expect(await health.json()).toEqual({ name: 'from-flag', status: 'up' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('advertise', () => {
  it("puts the advertised address in the node's spec, and peers dial it", async () => {
    const port = await freePort();
    const a = await startNode({
      name: 'a',
      secret: 'advertise-test',
      host: '127.0.0.1',
      port,
      advertise: `localhost:${port}`,
      logger: silentLogger,
    });
    started.push(a);
    expect(a.spec.listenAddrs).toEqual([{ host: 'localhost', port }]);
    const b = await startNode({
      name: 'b',
      secret: 'advertise-test',
      join: [`127.0.0.1:${port}`],
      logger: silentLogger,
    });
    started.push(b);
    await membersAre([a, b], ['a', 'b']);
    expect((await b.channels.peerSpec('a'))?.listenAddrs).toEqual([{ host: 'localhost', port }]);
  });

  it('refuses an advertise address that is not HOST:PORT', async () => {
    await expect(
      startNode({ name: 'a', insecure: true, advertise: 'nowhere', logger: silentLogger }),
    ).rejects.toThrow(/advertise/);
  });
});
