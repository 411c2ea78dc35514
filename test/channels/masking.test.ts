import { createHash } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { validateNodeSpec } from '../../src/channels/node-spec.js';
import { Cluster } from './net-helpers.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * A bare TCP listener that answers one WebSocket upgrade by hand and resolves with the
 * first frame's masking key, as it is on the wire.
 */
async function firstMaskingKey(): Promise<{ port: number; key: Promise<Buffer>; close(): void }> {
  const sockets: Socket[] = [];
  let resolveKey!: (key: Buffer) => void;
  const key = new Promise<Buffer>((resolve) => {
    resolveKey = resolve;
  });
  const server = createServer((socket) => {
    sockets.push(socket);
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const request = buffered.subarray(0, end).toString('latin1');
        const clientKey = /sec-websocket-key: *(\S+)/i.exec(request)?.[1] ?? '';
        const accept = createHash('sha1')
          .update(clientKey + WS_GUID)
          .digest('base64');
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        upgraded = true;
        buffered = buffered.subarray(end + 4);
      }
      // a frame header: 2 bytes, a 16- or 64-bit length if announced, then the key
      if (buffered.length < 2) return;
      const length7 = (buffered[1] as number) & 0x7f;
      const at = length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
      if (buffered.length < at + 4) return;
      expect((buffered[1] as number) & 0x80).toBe(0x80);
      resolveKey(Buffer.from(buffered.subarray(at, at + 4)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    key,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('WebSocket masking of channel frames', () => {
  let cluster = new Cluster();
  afterEach(async () => {
    await cluster.stopAll();
    cluster = new Cluster();
  });

  it('a dialler masks its frames with an all-zero key, so neither end passes over the bytes', async () => {
    const listener = await firstMaskingKey();
    try {
      const a = await cluster.node('a', { handshakeTimeoutMs: 2_000 });
      const target = validateNodeSpec({
        name: 'b',
        listenAddrs: [{ host: '127.0.0.1', port: listener.port }],
      });
      a.connect(target).catch(() => undefined);
      expect([...(await listener.key)]).toEqual([0, 0, 0, 0]);
    } finally {
      listener.close();
    }
  });
});
