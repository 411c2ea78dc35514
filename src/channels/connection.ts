import type WebSocket from 'ws';
import type { Logger } from '../log/logger.js';
import type { ChannelCounters } from './channel-counters.js';
import { CloseCode, describeCloseCode, truncateCloseReason } from './close-codes.js';
import { decodeFrames, encodeFrame } from './codec.js';
import {
  ConnectionHandshake,
  type ConnectionOptions,
  type Established,
} from './connection-handshake.js';
import { ConnectionLiveness } from './connection-liveness.js';
import { type Envelope, frame } from './envelope.js';
import { HandshakeError, NotReachableError } from './errors.js';
import type { HandshakeAuth } from './handshake.js';
import type { LivenessOptions } from './liveness.js';
import { DEFAULT_CHANNEL, type NodeSpec } from './node-spec.js';
import { SocketWriter } from './socket-writer.js';
import type { ConnectionDirection } from './tie-break.js';

/**
 * One WebSocket connection: it drives the handshake state machine, decodes and checks
 * every received frame, runs failure detection once established, and closes itself
 * with a close code and reason on any failure. It makes no decision about peers: an
 * established connection is handed to its peer's channel actor, which attaches a
 * {@link ConnectionSink} to receive its application frames and its end.
 */

export type { ConnectionOptions, Established } from './connection-handshake.js';

/** How the connection ended. */
export interface ConnectionEnd {
  readonly code: number;
  readonly reason: string;
  /** True when the peer closed (or the socket dropped); false when this node closed it. */
  readonly byPeer: boolean;
}

/** The owner of an established connection. */
export interface ConnectionSink {
  /** An application frame (data, cast, call, reply, call_error) and its size on the wire. */
  frame(conn: Connection, frame: Envelope, bytes: number): void;
  /** The socket is below its high-water mark again after `wantDrain`. */
  drained(conn: Connection): void;
  /** The connection is closed; called once. */
  closed(conn: Connection, end: ConnectionEnd): void;
}

/** Settings shared by every connection of a node. */
export interface ConnectionSettings {
  readonly local: NodeSpec;
  readonly cluster: string;
  readonly auth: HandshakeAuth;
  readonly handshakeTimeoutMs: number;
  readonly liveness: LivenessOptions;
  readonly maxFrameBytes: number;
  /** Bytes the socket may buffer before senders wait (`bufferedAmount` bound). */
  readonly highWaterBytes: number;
  readonly counters: ChannelCounters;
  readonly logger: Logger;
  /** Peers this node blocks: an acceptor refuses their hello before answering it. */
  readonly isBlocked?: (peer: string) => boolean;
  /** A pong arrived from `peer` (the failure detector answers indirect probes on it). */
  readonly onPong?: (peer: string) => void;
}

const OPEN = 1;

/**
 * ws reports frames it refuses itself (over `maxPayload`, bad framing, invalid UTF-8)
 * as errors and then closes with the matching code; these are the ones it uses.
 */
function wsErrorCloseCode(error: Error): number {
  const code = (error as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CloseCode.MessageTooBig;
  if (code === 'WS_ERR_INVALID_UTF8') return CloseCode.InvalidPayload;
  return 1002;
}

/** One WebSocket connection to a peer; see the module comment. */
export class Connection {
  /** Resolves once the handshake succeeds; rejects with a HandshakeError or NotReachableError. */
  readonly established: Promise<Established>;
  private readonly handshake: ConnectionHandshake;
  /** Resolves once the socket is closed, whoever closed it. */
  readonly closed: Promise<ConnectionEnd>;
  readonly direction: ConnectionDirection;
  /** Set once established. */
  info: Established | undefined;

  private readonly liveness: ConnectionLiveness;
  private readonly writer: SocketWriter;
  private sink: ConnectionSink | undefined;
  /** Frames received between the handshake and `attach`, delivered in order on attach. */
  private early: { frame: Envelope; bytes: number }[] = [];
  private localClose: { code: number; reason: string } | undefined;
  private peerReason: string | undefined;
  private ended: ConnectionEnd | undefined;
  private resolveClosed!: (e: ConnectionEnd) => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly settings: ConnectionSettings,
    private readonly options: ConnectionOptions,
  ) {
    this.writer = new SocketWriter(
      ws,
      settings.highWaterBytes,
      settings.counters,
      () => this.writable,
      () => this.sink?.drained(this),
    );
    // the dialler pings an idle connection; the acceptor watches for silence
    const side = options.role === 'dialer' ? 'pinger' : 'watcher';
    this.liveness = new ConnectionLiveness(settings.liveness, side, {
      writable: () => this.writable,
      sendPing: (seq) => this.trySend(frame(this.channel, 'ping', { seq })),
      down: (silentForMs, timeoutMs) =>
        this.close(
          CloseCode.PingTimeout,
          `peer silent for ${Math.round(silentForMs)} ms (timeout ${timeoutMs} ms)`,
        ),
    });
    this.direction = options.role === 'dialer' ? 'outbound' : 'inbound';
    this.handshake = new ConnectionHandshake(settings, options, {
      send: (f) => this.trySend(f),
      close: (code, reason) => this.close(code, reason),
      established: (info) => {
        this.info = info;
        this.liveness.start(performance.now());
      },
    });
    this.established = this.handshake.established;
    this.closed = new Promise<ConnectionEnd>((resolve) => {
      this.resolveClosed = resolve;
    });
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString('utf8')));
    ws.on('error', (error: Error) => this.onError(error));
    if (ws.readyState === OPEN) this.onOpen();
    else ws.once('open', () => this.onOpen());
  }

  /** The channel this connection serves (once established). */
  get channel(): string {
    return this.info?.channel ?? '';
  }

  /** The lane of its channel this connection serves (once established). */
  get lane(): number {
    return this.info?.lane ?? 0;
  }

  /** True while frames can be written. */
  get writable(): boolean {
    return this.ended === undefined && this.localClose === undefined && this.ws.readyState === OPEN;
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.writer.bufferedAmount;
  }

  /** The round trip of the last answered ping, ms (the peer's `distance`); undefined until one. */
  get rttMs(): number | undefined {
    return this.liveness.rttMs;
  }

  /** When the peer last sent a frame on this connection (`performance.now()` clock). */
  get lastHeardAt(): number {
    return this.liveness.lastHeardAt;
  }

  /**
   * Sends a ping now, for the node's failure detector; its pong (like any frame) moves
   * {@link lastHeardAt} and measures {@link rttMs}.
   */
  ping(): void {
    if (this.info !== undefined) this.liveness.ping();
  }

  /** Sends a failure-detection frame now, ahead of anything queued. */
  sendProbe(kind: 'probe_req' | 'probe_ack', target: string): void {
    if (this.info === undefined) return;
    this.trySend(frame(this.channel, kind, { target }));
  }

  /** Routes application frames and the end of the connection to `sink`. */
  attach(sink: ConnectionSink): void {
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const f of early) sink.frame(this, f.frame, f.bytes);
    if (this.ended !== undefined) sink.closed(this, this.ended);
  }

  /**
   * Writes an encoded frame of `channel`; the caller checked {@link writable}. With
   * `notify`, its completion is reported even if the socket stays under its mark.
   */
  sendBytes(bytes: Uint8Array, channel: string, notify = false): void {
    this.writer.send(bytes, channel, notify);
  }

  /** Asks for one `drained` call once the socket is below its high-water mark again. */
  wantDrain(): void {
    this.writer.wantDrain();
  }

  /**
   * Closes the connection with `code` and `reason`, counted as a close by this node.
   * A reason too long for a close frame is sent whole in a `close` frame first.
   */
  close(code: number, reason: string): void {
    if (this.localClose !== undefined || this.ended !== undefined) return;
    this.localClose = { code, reason };
    this.settings.counters.recordClose(code);
    this.liveness.stop();
    this.handshake.stop();
    this.handshake.fail(new HandshakeError(code, reason));
    const short = truncateCloseReason(reason);
    if (this.ws.readyState === OPEN) {
      if (short !== reason) {
        this.trySend(frame(this.knownChannel(DEFAULT_CHANNEL), 'close', { code, reason }));
      }
      // what was written before the close leaves ahead of it
      this.writer.flush();
      this.writer.stop();
      this.ws.close(code, short);
    } else {
      // still connecting: there is no closing handshake to run
      this.writer.stop();
      this.ws.terminate();
    }
  }

  /** Drops the socket without a closing handshake (its peer will see 1006). */
  terminate(): void {
    this.ws.terminate();
  }

  private onOpen(): void {
    this.handshake.open(this.localClose !== undefined);
  }

  private onMessage(data: Buffer): void {
    // a handshake that failed is over: whatever else the peer sends is ignored
    if (this.info === undefined && !this.handshake.running) return;
    const decoded = decodeFrames(data, { maxFrameBytes: this.settings.maxFrameBytes });
    const { frames, sizes } = decoded;
    for (let i = 0; i < frames.length; i++) {
      if (this.ended !== undefined) return;
      if (this.info === undefined && !this.handshake.running) return;
      this.onFrame(frames[i] as Envelope, sizes[i] as number);
    }
    // the frames ahead of a bad one were sound: they are delivered, then the link closes
    if (decoded.error !== undefined) this.close(decoded.error.code, decoded.error.reason);
  }

  private onFrame(received: Envelope, bytes: number): void {
    if (this.handshake.running) {
      this.settings.counters.recordReceived(this.knownChannel(received.ch), bytes);
      this.handshake.frame(received);
      return;
    }
    this.liveness.heard(performance.now());
    switch (received.k) {
      case 'ping':
        this.settings.counters.recordReceived(this.channel, bytes);
        this.trySend(frame(this.channel, 'pong', { seq: received.b.seq }));
        return;
      case 'pong':
        this.settings.counters.recordReceived(this.channel, bytes);
        this.liveness.pong(received.b.seq);
        if (this.info !== undefined) this.settings.onPong?.(this.info.peer.name);
        return;
      case 'close':
        this.settings.counters.recordReceived(this.channel, bytes);
        this.peerReason = received.b.reason;
        return;
      case 'hello':
      case 'proof':
        this.close(CloseCode.HandshakeProtocol, `unexpected ${received.k} after the handshake`);
        return;
      default:
        // frames still arriving on a connection this node is closing (a duplicate the
        // tie-break dropped) were sent before the peer saw the close: deliver them
        if (this.sink !== undefined) this.sink.frame(this, received, bytes);
        else this.early.push({ frame: received, bytes });
    }
  }

  /**
   * The counter label for a frame's channel before the peer is authenticated: only the
   * local spec's channels, so an unknown peer cannot grow the counters table.
   */
  private knownChannel(ch: string): string {
    if (this.info !== undefined) return this.info.channel;
    return Object.hasOwn(this.settings.local.channels, ch) ? ch : DEFAULT_CHANNEL;
  }

  /** Sends a control frame straight to the socket (they never wait behind the queue). */
  private trySend(envelope: Envelope): void {
    if (this.ws.readyState !== OPEN) return;
    let bytes: Buffer;
    try {
      bytes = encodeFrame(envelope, { maxFrameBytes: this.settings.maxFrameBytes });
    } catch (error) {
      this.settings.logger.error('cannot encode a control frame', { error, kind: envelope.k });
      return;
    }
    this.sendBytes(bytes, this.knownChannel(envelope.ch));
  }

  private onError(error: Error): void {
    if (this.localClose === undefined && this.handshake.opened) {
      // ws closes the socket itself with this code; count it as this node's close
      const code = wsErrorCloseCode(error);
      this.localClose = { code, reason: error.message };
      this.settings.counters.recordClose(code);
    }
    this.settings.logger.debug('websocket error', { error });
    if (!this.handshake.opened && this.options.role === 'dialer') {
      this.handshake.fail(new NotReachableError(this.options.target, error.message));
    } else {
      this.handshake.fail(
        new HandshakeError(this.localClose?.code ?? CloseCode.InternalError, error.message),
      );
    }
  }

  private onClose(code: number, reason: string): void {
    this.stopTimers();
    const end: ConnectionEnd =
      this.localClose !== undefined
        ? { code: this.localClose.code, reason: this.localClose.reason, byPeer: false }
        : { code, reason: this.peerReason ?? reason, byPeer: true };
    if (end.byPeer) this.settings.counters.recordPeerClose(code);
    this.ended = end;
    if (this.options.role === 'dialer' && !this.handshake.opened) {
      this.handshake.fail(new NotReachableError(this.options.target, 'connection refused or lost'));
    } else {
      this.handshake.fail(
        new HandshakeError(end.code, end.reason || `closed: ${describeCloseCode(end.code)}`),
      );
    }
    this.sink?.closed(this, end);
    this.resolveClosed(end);
  }

  private stopTimers(): void {
    this.writer.stop();
    this.liveness.stop();
    this.handshake.stop();
  }
}
