/**
 * The receiving side of `bench/channels.ts`, run in its own process: a channels node
 * and a raw ws server side by side. It counts the messages of each trial and tells the
 * parent over IPC when the expected number has arrived.
 */
import { Unpackr } from 'msgpackr';
import { WebSocketServer } from 'ws';
import { start, stop } from '../src/actors/index.js';
import { startChannels } from '../src/channels/index.js';
import { silentLogger } from '../src/log/logger.js';
import { MetricsRegistry } from '../src/metrics/registry.js';

type Command =
  | { readonly cmd: 'start'; readonly secret: string }
  | { readonly cmd: 'expect'; readonly n: number }
  | { readonly cmd: 'stop' };

const reply = (msg: unknown): void => {
  process.send?.(msg);
};

// the same msgpackr settings as the channel codec, so both sides decode alike
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
});

let expected = 0;
let count = 0;
const arrived = (): void => {
  if (++count === expected) reply({ cmd: 'done' });
};

const system = start();
let cleanup: () => Promise<void> = async () => undefined;

process.on('message', (raw) => {
  const msg = raw as Command;
  switch (msg.cmd) {
    case 'start':
      void (async () => {
        const node = await startChannels(system, {
          spec: { name: 'bench-recv', listenAddrs: [{ host: '127.0.0.1', port: 0 }] },
          secret: msg.secret,
          logger: silentLogger,
          metrics: new MetricsRegistry(),
        });
        node.onData(arrived);
        const wss = new WebSocketServer({
          host: '127.0.0.1',
          port: 0,
          perMessageDeflate: false,
          clientTracking: true,
        });
        await new Promise<void>((resolve) => wss.once('listening', resolve));
        wss.on('connection', (ws) => {
          ws.on('message', (data: Buffer) => {
            unpackr.unpack(data);
            arrived();
          });
        });
        cleanup = async () => {
          for (const client of wss.clients) client.terminate();
          await new Promise<void>((resolve) => wss.close(() => resolve()));
          await node.stop();
          stop(system);
        };
        const address = wss.address();
        reply({
          cmd: 'started',
          oursPort: node.address.port,
          rawPort: typeof address === 'object' && address !== null ? address.port : 0,
        });
      })();
      return;
    case 'expect':
      expected = msg.n;
      count = 0;
      reply({ cmd: 'ready' });
      return;
    case 'stop':
      void cleanup().then(() => {
        reply({ cmd: 'stopped' });
        process.disconnect();
      });
      return;
  }
});
