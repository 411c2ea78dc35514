import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { type ActorRef, type GenServer, onExit, send, spawnServer } from '../actors/index.js';
import { CloseCode } from './close-codes.js';
import { maxMessageBytes } from './codec.js';
import { Connection } from './connection.js';
import type { ChannelHub } from './hub.js';
import type { ListenAddr } from './node-spec.js';
import { tlsServerOptions } from './tls.js';

interface Bound {
  readonly server: HttpServer;
  readonly wss: WebSocketServer;
}

interface ListenerState {
  readonly bound: Bound[];
  /** Accepted connections still in their handshake. */
  readonly pending: Set<Connection>;
  closed: boolean;
}

type ListenerInfo = { readonly type: 'server_error'; readonly error: Error };

/** How often and how long a restarted listener retries a port its predecessor just freed. */
const REBIND_ATTEMPTS = 20;
const REBIND_DELAY_MS = 50;

/**
 * The node's listener: one WebSocket server per listen address (port 0 picks a free
 * port, recorded in the node's spec). It runs the acceptor side of each handshake and
 * hands every established connection to its peer's channel actor. A restarted listener
 * binds the ports its first instance bound, so the node's address does not change.
 */
export const listenerActor: GenServer<
  ChannelHub,
  ListenerState,
  never,
  never,
  never,
  ListenerInfo
> = {
  async init(hub, ctx) {
    const state: ListenerState = { bound: [], pending: new Set(), closed: false };
    const bound = state.bound;
    // the servers go with the actor however it ends, like a port linked to its process
    onExit(ctx.self, () => closeAll(state));
    const addrs: ListenAddr[] = [];
    try {
      for (const [i, addr] of hub.bindAddrs.entries()) {
        const port = hub.boundPorts[i] ?? addr.port;
        const server = await bindServer(hub, addr.host, port, hub.boundPorts[i] !== undefined);
        const wss = new WebSocketServer({
          server,
          maxPayload: maxMessageBytes(hub.config.maxFrameBytes),
          perMessageDeflate: false,
          clientTracking: false,
          closeTimeout: hub.config.closeTimeoutMs,
        } as ConstructorParameters<typeof WebSocketServer>[0]);
        bound.push({ server, wss });
        const self = ctx.self;
        server.on('error', (error) => send(self, { type: 'server_error', error }));
        wss.on('error', (error) => send(self, { type: 'server_error', error }));
        wss.on('connection', (ws) => {
          const conn = new Connection(ws, hub.connectionSettings(), { role: 'acceptor' });
          if (state.closed || hub.stopped) {
            conn.close(CloseCode.GoingAway, 'node stopping');
            return;
          }
          state.pending.add(conn);
          conn.established.then(
            () => {
              state.pending.delete(conn);
              hub.adopt(conn);
            },
            () => state.pending.delete(conn),
          );
        });
        const port0 = (server.address() as AddressInfo).port;
        addrs.push(Object.freeze({ host: addr.host, port: port0 }));
      }
    } catch (error) {
      closeAll(state);
      throw error;
    }
    hub.setBound(addrs);
    hub.config.logger.info('channels listening', {
      node: hub.name,
      addrs: addrs.map((a) => `${a.host}:${a.port}`),
      tls: hub.config.tls !== undefined,
    });
    return state;
  },

  handleInfo(msg) {
    if ('type' in msg && msg.type === 'server_error') throw msg.error;
    throw new Error('listener: unexpected message');
  },

  terminate(_reason, state) {
    closeAll(state);
  },
};

function closeAll(state: ListenerState): void {
  if (state.closed) return;
  state.closed = true;
  for (const { server, wss } of state.bound) {
    wss.close();
    // stops accepting now; upgraded sockets belong to channel actors and close with them
    server.close();
  }
  for (const conn of state.pending) conn.close(CloseCode.GoingAway, 'listener stopping');
  state.pending.clear();
}

async function bindServer(
  hub: ChannelHub,
  host: string,
  port: number,
  rebinding: boolean,
): Promise<HttpServer> {
  for (let attempt = 0; ; attempt++) {
    const server =
      hub.config.tls === undefined
        ? createHttpServer()
        : (createHttpsServer(tlsServerOptions(hub.config.tls)) as unknown as HttpServer);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return server;
    } catch (error) {
      server.close();
      const code = (error as { code?: unknown }).code;
      // a restarted listener may race the closing of its predecessor's socket
      if (!rebinding || code !== 'EADDRINUSE' || attempt + 1 >= REBIND_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, REBIND_DELAY_MS));
    }
  }
}

/** Starts the listener under `parent` (the channels supervisor). */
export function spawnListener(parent: ActorRef, hub: ChannelHub): ActorRef {
  return spawnServer(parent, listenerActor, hub, { name: hub.listenerName });
}
