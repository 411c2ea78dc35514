import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { start, stop } from '../../src/actors/index.js';
import { startChannels } from '../../src/channels/channels.js';
import { CloseCode } from '../../src/channels/close-codes.js';
import {
  HandshakeError,
  MissingSecretError,
  NotReachableError,
} from '../../src/channels/errors.js';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { Cluster, Inbox, RawPeer } from './net-helpers.js';

const cluster = new Cluster();
afterEach(() => cluster.stopAll());

// test-only credentials: a CA, a node certificate it signed for 127.0.0.1, and a
// certificate signed by another CA
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const tls = { key: fixture('node.key'), cert: fixture('node.pem'), ca: fixture('ca.pem') };
const rogueTls = { key: fixture('rogue.key'), cert: fixture('rogue.pem'), ca: fixture('ca.pem') };

describe('cluster secret', () => {
  it('refuses to start a node with no secret unless insecure is chosen', async () => {
    const system = start();
    try {
      await expect(
        startChannels(system, {
          spec: { name: 'a', listenAddrs: [{ port: 0 }] },
          logger: silentLogger,
        }),
      ).rejects.toBeInstanceOf(MissingSecretError);
      await expect(
        startChannels(system, {
          spec: { name: 'a', listenAddrs: [{ port: 0 }] },
          secret: '',
          logger: silentLogger,
        }),
      ).rejects.toBeInstanceOf(MissingSecretError);
    } finally {
      stop(system);
    }
  });

  it('warns when a node runs insecure, and such nodes talk only to each other', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'warn', json: true, stream });
    const open1 = await cluster.node('open1', { secret: undefined, insecure: true, logger });
    const open2 = await cluster.node('open2', { secret: undefined, insecure: true, logger });
    expect(
      lines.some((l) => l.includes('"level":"warn"') && l.includes('without a cluster secret')),
    ).toBe(true);
    const inbox = new Inbox(open2);
    await open1.connect(open2.spec);
    open1.send('open2', 'default', 'no secret needed');
    await inbox.waitFor(1);

    const secure = await cluster.node('secure');
    const error = await secure.connect(open1.spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).code).toBe(CloseCode.AuthFailed);
  });
});

describe('TLS', () => {
  it('carries traffic over wss between nodes holding certificates from the cluster CA', async () => {
    const a = await cluster.node('a', { tls });
    const b = await cluster.node('b', { tls });
    const inbox = new Inbox(b);
    await a.connect(b.spec);
    a.send('b', 'default', 'over tls');
    await inbox.waitFor(1);
    expect(inbox.messages[0]?.msg).toBe('over tls');
  });

  it('refuses a plain WebSocket client and a node whose certificate another CA signed', async () => {
    const a = await cluster.node('a', { tls });
    await expect(RawPeer.open(a.address.port)).rejects.toBeDefined();
    const rogue = await cluster.node('rogue', { tls: rogueTls });
    const error = await rogue.connect(a.spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReachableError);
    const plain = await cluster.node('plain');
    await expect(plain.connect(a.spec)).rejects.toBeInstanceOf(NotReachableError);
    expect(a.connectedPeers()).toEqual([]);
  });
});
