import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
  type ActorRef,
  type GenServer,
  start,
  startServer,
  stop,
  stopServer,
} from '../../src/actors/index.js';
import { type Channels, type ChannelsOptions, startChannels } from '../../src/channels/channels.js';
import { decodeFrames, encodeFrame } from '../../src/channels/codec.js';
import { type Envelope, frame } from '../../src/channels/envelope.js';
import { HandshakeError } from '../../src/channels/errors.js';
import {
  type HandshakeOutcome,
  startHandshake,
  stepHandshake,
} from '../../src/channels/handshake.js';
import type { PeerEvent } from '../../src/channels/hub.js';
import { scopedName } from '../../src/channels/names.js';
import { type NodeSpecInput, validateNodeSpec } from '../../src/channels/node-spec.js';
import { silentLogger } from '../../src/log/logger.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';

// biome-ignore lint/suspicious/noExplicitAny: a test service may take any message types.
type AnyServer = GenServer<undefined, any, any, any, any, any>;

/** Small timings so that failure detection and reconnects happen quickly in tests. */
export const FAST = {
  handshakeTimeoutMs: 2_000,
  closeTimeoutMs: 500,
  ping: { intervalMs: 100, timeoutMs: 400 },
  backoff: { baseMs: 20, capMs: 200 },
} as const;

/** Starts nodes and stops them all (and their actor systems) in `afterEach`. */
export class Cluster {
  readonly nodes: Channels[] = [];
  private readonly systems: ActorRef[] = [];
  private readonly systemByNode = new Map<Channels, ActorRef>();
  private readonly services: ActorRef[] = [];

  /** The actor system a node runs in, to start application actors beside it. */
  systemOf(node: Channels): ActorRef {
    const system = this.systemByNode.get(node);
    if (system === undefined) throw new Error(`unknown node ${node.name}`);
    return system;
  }

  async node(
    name: string,
    overrides: Partial<Omit<ChannelsOptions, 'secret'>> & {
      /** `undefined` starts the node without a secret. */
      secret?: string | undefined;
      channels?: NodeSpecInput['channels'];
      port?: number;
    } = {},
  ): Promise<Channels> {
    const system = start();
    this.systems.push(system);
    const { channels, port, secret, ...rest } = overrides;
    const spec: NodeSpecInput = {
      name,
      listenAddrs: [{ host: '127.0.0.1', port: port ?? 0 }],
      ...(channels === undefined ? {} : { channels }),
    };
    const withSecret = 'secret' in overrides ? secret : 'test-secret';
    const node = await startChannels(system, {
      logger: silentLogger,
      metrics: new MetricsRegistry(),
      ...FAST,
      ...rest,
      ...(withSecret === undefined ? {} : { secret: withSecret }),
      spec,
    });
    this.nodes.push(node);
    this.systemByNode.set(node, system);
    return node;
  }

  /** Starts an application actor registered as `scopedName(service, node)`; stopped by `stopAll`. */
  async service<S>(
    node: Channels,
    service: string,
    behaviour: GenServer<undefined, S, never, unknown, never, unknown> | AnyServer,
  ): Promise<ActorRef> {
    const ref = await startServer(this.systemOf(node), behaviour, undefined, {
      name: scopedName(service, node.name),
    });
    this.services.push(ref);
    return ref;
  }

  async stopAll(): Promise<void> {
    // stopped before their systems so that their names are free for the next test
    await Promise.all(this.services.map((ref) => stopServer(ref, 'shutdown', 1_000)));
    this.services.length = 0;
    await Promise.all(this.nodes.map((n) => n.stop()));
    this.nodes.length = 0;
    for (const system of this.systems) stop(system);
    this.systems.length = 0;
    this.systemByNode.clear();
  }

  /** Stops one node (its actor system too), as a crash or a planned restart would. */
  async stopNode(node: Channels): Promise<void> {
    await node.stop();
    const i = this.nodes.indexOf(node);
    if (i >= 0) this.nodes.splice(i, 1);
    const system = this.systemByNode.get(node);
    if (system !== undefined) stop(system);
    this.systemByNode.delete(node);
  }
}

/** Resolves with the first peer event matching `pred`. */
export function nextPeerEvent(
  node: Channels,
  pred: (e: PeerEvent) => boolean,
  timeoutMs = 10_000,
): Promise<PeerEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching peer event on ${node.name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = node.onPeerEvent((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Collects data messages; `waitFor(n)` resolves once `n` have arrived. */
export class Inbox {
  readonly messages: { peer: string; channel: string; msg: unknown }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(node: Channels) {
    node.onData((peer, channel, msg) => {
      this.messages.push({ peer, channel, msg });
      this.waiters = this.waiters.filter((w) => {
        if (this.messages.length < w.n) return true;
        w.resolve();
        return false;
      });
    });
  }

  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.messages.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.messages.length} of ${n} messages arrived`)),
        timeoutMs,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** A close as seen by a raw client. */
export interface SeenClose {
  readonly code: number;
  readonly reason: string;
}

/**
 * A bare WebSocket client that speaks only what a test tells it to: arbitrary bytes, or
 * the dialler's side of the handshake run by the pure state machine, so that tests can
 * play a misbehaving or silent peer against a real listener.
 */
export class RawPeer {
  readonly closed: Promise<SeenClose>;
  readonly received: Envelope[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      // a node sends the frames of one turn as one message
      this.received.push(...decodeFrames(data).frames);
    });
  }

  static open(port: number): Promise<RawPeer> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const peer = new RawPeer(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(peer));
      ws.once('error', reject);
    });
  }

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  /**
   * Runs the dialler's side of a handshake and resolves with its outcome. Frames the
   * state machine wants to send go out even if it fails afterwards, so a wrong secret
   * still sends its (wrong) proof for the listener to refuse.
   */
  handshake(config: {
    readonly name: string;
    readonly secret?: string;
    readonly expect?: string;
    readonly port?: number;
  }): Promise<HandshakeOutcome> {
    const local = validateNodeSpec({
      name: config.name,
      listenAddrs: [{ host: '127.0.0.1', port: config.port ?? 1 }],
    });
    let step = startHandshake({
      role: 'dialer',
      local,
      cluster: 'plumtree',
      auth: { mode: 'secret', secret: config.secret ?? 'test-secret' },
      nonce: randomBytes(32),
      channel: 'default',
      lane: 0,
      ...(config.expect === undefined ? {} : { expectedPeer: config.expect }),
    });
    for (const f of step.send) this.ws.send(encodeFrame(f));
    return new Promise((resolve) => {
      const onMessage = (data: Buffer) => {
        for (const received of decodeFrames(data).frames) {
          step = stepHandshake(step.state, { type: 'frame', frame: received });
          for (const f of step.send) this.ws.send(encodeFrame(f));
          if (step.outcome !== undefined) {
            this.ws.off('message', onMessage);
            resolve(step.outcome);
            return;
          }
        }
      };
      this.ws.on('message', onMessage);
      void this.closed.then(() => {
        this.ws.off('message', onMessage);
        resolve({ type: 'failed', error: new HandshakeError(0, 'closed') });
      });
    });
  }

  /** From now on, answers every ping with its pong, as a live node does. */
  answerPings(): void {
    this.ws.on('message', (data: Buffer) => {
      for (const received of decodeFrames(data).frames) {
        if (received.k === 'ping') {
          this.ws.send(encodeFrame(frame(received.ch, 'pong', { seq: received.b.seq })));
        }
      }
    });
  }

  /** Stops reading from the socket, so the node's writes back up (a slow peer). */
  stopReading(): void {
    // ws offers no public way to stop reading; its socket is the one thing to pause
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  close(): Promise<SeenClose> {
    this.ws.terminate();
    return this.closed;
  }
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
