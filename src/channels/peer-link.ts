import { type ServerContext, send, type TimerRef } from '../actors/index.js';
import { Backoff } from './backoff.js';
import { type ChannelTable, negotiateChannels, resolveChannel } from './channel-table.js';
import { CloseCode } from './close-codes.js';
import { encodeDataFrameView, encodeFrameView, ownedFrame } from './codec.js';
import type { Connection, ConnectionEnd, ConnectionSink } from './connection.js';
import {
  afterAdopt,
  afterClose,
  afterDialFailure,
  dialAddress,
  dropsOtherConnections,
  isSessionSlot,
} from './dial-policy.js';
import type { DataBody, Envelope, MessageKey } from './envelope.js';
import { HandshakeError, QueueFullError, UnknownPeerError } from './errors.js';
import type { LinkHost } from './link-host.js';
import { DEFAULT_CHANNEL, type NodeSpec } from './node-spec.js';
import { type EnqueueRequest, OutgoingQueue, type QueueStats } from './outgoing-queue.js';
import { resolveDuplicate } from './tie-break.js';

/** Options of one send. */
export interface SendOptions {
  /** Chooses the connection (`key mod parallelism`); messages with one key keep their order. */
  readonly partitionKey?: MessageKey;
  /** On a monotonic channel, a newer queued message with the same key replaces this one. */
  readonly monotonicKey?: MessageKey;
}

/** One connection of a link, as reported by `connections()`. */
export interface ConnectionInfo {
  readonly channel: string;
  readonly lane: number;
  /** Who dialled it, seen from this node. */
  readonly direction: 'outbound' | 'inbound';
  /** Round trip of the last ping answered on it, ms (pings go on idle connections only). */
  readonly rttMs?: number;
}

/** Messages the channel actor handles for its link. */
export type LinkMessage =
  | { readonly type: 'adopt'; readonly conn: Connection }
  | { readonly type: 'closed'; readonly conn: Connection; readonly end: ConnectionEnd }
  | { readonly type: 'dialed'; readonly conn: Connection; readonly error?: Error }
  | { readonly type: 'redial'; readonly channel: string; readonly lane: number }
  | { readonly type: 'fill' };

interface Slot {
  readonly channel: string;
  readonly lane: number;
  /** The established connection carrying this slot's traffic, both ways. */
  current: Connection | undefined;
  /** A connection this node is dialling for the slot. */
  dialing: Connection | undefined;
  timer: TimerRef | undefined;
  readonly backoff: Backoff;
}

/**
 * Everything a channel actor owns for one peer: the outgoing queue, one slot per
 * (channel, lane) holding its connection, reconnect timers, and the up/down state.
 *
 * Two planes. Control (adopting connections, closes, dials, timers) runs only inside
 * the actor's callbacks, one message at a time. Data (sends and received frames) runs
 * synchronously on the caller's stack or the socket's event, so that `send` can throw
 * `QueueFullError` to its caller and so that a message costs no mailbox hop; it only
 * reads the slots the control plane maintains.
 *
 * Who dials and when is decided by `dial-policy.ts`; which of two connections of a
 * slot survives, by `tie-break.ts`. This class carries the decisions out.
 */
export class PeerLink implements ConnectionSink {
  spec: NodeSpec;
  up = false;
  private table: ChannelTable;
  private readonly queue: OutgoingQueue;
  private slots = new Map<string, Slot[]>();
  private readonly dialSlots = new Map<Connection, Slot>();
  private fillTimer: TimerRef | undefined;
  private stopping = false;

  constructor(
    private readonly hub: LinkHost,
    readonly peer: string,
    spec: NodeSpec,
    private readonly ctx: ServerContext,
  ) {
    this.spec = spec;
    this.table = negotiateChannels(hub.local, spec);
    this.queue = new OutgoingQueue({ channels: this.table, maxBytes: hub.config.maxQueueBytes });
    this.buildSlots();
  }

  /** The actor's reference. */
  get ref(): ServerContext['self'] {
    return this.ctx.self;
  }

  /** True while a dial runs or a reconnect is scheduled. */
  get connecting(): boolean {
    if (this.stopping) return false;
    for (const lanes of this.slots.values()) {
      for (const slot of lanes)
        if (slot.dialing !== undefined || slot.timer !== undefined) return true;
    }
    return this.fillTimer !== undefined;
  }

  /** Levels and counters of the outgoing queue. */
  queueStats(): QueueStats {
    return this.queue.stats();
  }

  /** The established connections. */
  connections(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    for (const lanes of this.slots.values()) {
      for (const slot of lanes) {
        if (slot.current?.writable === true) {
          const rtt = slot.current.rttMs;
          out.push({
            channel: slot.channel,
            lane: slot.lane,
            direction: slot.current.direction,
            ...(rtt === undefined ? {} : { rttMs: rtt }),
          });
        }
      }
    }
    return out;
  }

  /** When the peer last sent a frame on any connection, or -Infinity. */
  lastHeardAt(): number {
    let at = Number.NEGATIVE_INFINITY;
    for (const conn of this.currentConnections()) at = Math.max(at, conn.lastHeardAt);
    return at;
  }

  /** Pings the peer on its session connection (or any other one it has). */
  probe(): void {
    this.sessionConnection()?.ping();
  }

  /** Sends a failure-detection frame on the session connection. */
  sendProbe(kind: 'probe_req' | 'probe_ack', target: string): void {
    this.sessionConnection()?.sendProbe(kind, target);
  }

  /**
   * The failure detector found the peer silent: every connection is closed as timed
   * out, and the link goes down and redials like after any other loss.
   */
  declareSilent(silentForMs: number): void {
    const reason = `peer silent for ${Math.round(silentForMs)} ms and unreachable through others`;
    for (const conn of this.currentConnections()) conn.close(CloseCode.PingTimeout, reason);
  }

  private sessionConnection(): Connection | undefined {
    const session = this.slots.get(DEFAULT_CHANNEL)?.[0]?.current;
    if (session?.writable) return session;
    return this.currentConnections().find((c) => c.writable);
  }

  // ---- data plane ------------------------------------------------------------------

  /**
   * Queues an application message and writes it out if its connection can take it.
   * With `reuse`, `msg` is never modified and may go to several peers in a row: they
   * share one encoding.
   *
   * @throws QueueFullError when the peer's queue would exceed its byte bound.
   * @throws FrameError when the message is not plain data or is too big.
   */
  sendData(channel: string, msg: unknown, options: SendOptions = {}, reuse = false): void {
    if (this.stopping) throw new UnknownPeerError(this.peer);
    const ch = resolveChannel(this.table, channel);
    const { partitionKey, monotonicKey } = options;
    let body: DataBody = { msg };
    if (partitionKey !== undefined) body = { ...body, partitionKey };
    if (monotonicKey !== undefined) body = { ...body, monotonicKey };
    const bytes = encodeDataFrameView(ch, body, {
      maxFrameBytes: this.hub.config.maxFrameBytes,
      reuse,
    });
    let request: Omit<EnqueueRequest, 'bytes'> = { channel: ch };
    if (partitionKey !== undefined) request = { ...request, partitionKey };
    if (monotonicKey !== undefined) request = { ...request, monotonicKey };
    this.submit(request, bytes);
  }

  /** Queues a cast, call or reply frame on its channel (round robin over its lanes). */
  sendFrame(envelope: Envelope): void {
    if (this.stopping) throw new UnknownPeerError(this.peer);
    const ch = resolveChannel(this.table, envelope.ch);
    const bytes = encodeFrameView(ch === envelope.ch ? envelope : { ...envelope, ch }, {
      maxFrameBytes: this.hub.config.maxFrameBytes,
    });
    this.submit({ channel: ch }, bytes);
  }

  /**
   * Writes a frame straight to its connection when nothing at all is queued (so no
   * earlier frame can be overtaken) and the socket is under its high-water mark;
   * otherwise queues a copy of it that owns its memory.
   */
  private submit(request: Omit<EnqueueRequest, 'bytes'>, bytes: Buffer): void {
    if (this.queue.length === 0) {
      const route = this.queue.route(request);
      const conn = this.slots.get(route.channel)?.[route.lane]?.current;
      if (conn?.writable && conn.bufferedAmount < this.hub.config.highWaterBytes) {
        conn.sendBytes(bytes, route.channel);
        return;
      }
    }
    let receipt: ReturnType<OutgoingQueue['push']>;
    try {
      receipt = this.queue.push({ ...request, bytes: ownedFrame(bytes) });
    } catch (error) {
      if (error instanceof QueueFullError) this.hub.counters.queueRejected.inc();
      throw error;
    }
    this.pump(receipt.channel, receipt.lane);
  }

  /**
   * Moves queued frames of one lane to its socket while the socket is under its
   * high-water mark; past it, waits for the socket to drain, so a slow peer fills its
   * bounded queue instead of this process's memory.
   */
  private pump(channel: string, lane: number): void {
    const conn = this.slots.get(channel)?.[lane]?.current;
    if (conn === undefined || !conn.writable) return;
    const budget = this.hub.config.highWaterBytes - conn.bufferedAmount;
    const frames = budget > 0 ? this.queue.take(channel, lane, budget) : [];
    const more = this.queue.laneLength(channel, lane) > 0;
    const last = frames.length - 1;
    // with frames left behind, the batch's last write wakes the lane when it completes
    frames.forEach((queued, i) => {
      conn.sendBytes(queued.bytes, channel, more && i === last);
    });
    if (more) conn.wantDrain();
  }

  /** {@link ConnectionSink}: an application frame from the peer. */
  frame(conn: Connection, received: Envelope, bytes: number): void {
    const ch = resolveChannel(this.table, received.ch);
    this.hub.counters.recordReceived(ch, bytes);
    switch (received.k) {
      case 'data':
        this.hub.deliverData(this.peer, ch, received.b.msg);
        return;
      case 'cast':
        this.hub.remote.onCast(received.b);
        return;
      case 'call':
        this.hub.remote.onCall(this.peer, ch, received.b);
        return;
      case 'reply':
        this.hub.remote.onReply(this.peer, received.b);
        return;
      case 'call_error':
        this.hub.remote.onCallError(this.peer, received.b);
        return;
      case 'probe_req':
        this.hub.prober.onProbeReq(this.peer, received.b.target);
        return;
      case 'probe_ack':
        this.hub.prober.onProbeAck(this.peer, received.b.target);
        return;
      default:
        conn.close(CloseCode.HandshakeProtocol, `unexpected ${received.k} frame`);
    }
  }

  /** {@link ConnectionSink}: the socket has room again. */
  drained(conn: Connection): void {
    if (conn.info !== undefined) this.pump(conn.channel, conn.lane);
  }

  /** {@link ConnectionSink}: the socket closed; handled by the actor, in order. */
  closed(conn: Connection, end: ConnectionEnd): void {
    send(this.ctx.self, { type: 'closed', conn, end } satisfies LinkMessage);
  }

  // ---- control plane (actor callbacks only) ----------------------------------------

  /** Handles one control message. */
  handle(msg: LinkMessage): void {
    switch (msg.type) {
      case 'adopt':
        this.adopt(msg.conn);
        return;
      case 'closed':
        this.onClosed(msg.conn, msg.end);
        return;
      case 'dialed':
        this.onDialed(msg.conn, msg.error);
        return;
      case 'redial': {
        const slot = this.slots.get(msg.channel)?.[msg.lane];
        if (slot === undefined) return;
        slot.timer = undefined;
        this.dial(slot);
        return;
      }
      case 'fill':
        this.fillTimer = undefined;
        this.fill();
        return;
    }
  }

  /** Starts the session from scratch: used when the actor was not started for a connection. */
  dialSession(): void {
    const slot = this.slots.get(DEFAULT_CHANNEL)?.[0];
    if (slot !== undefined) this.dial(slot);
  }

  private adopt(conn: Connection): void {
    const info = conn.info;
    if (info === undefined) return;
    if (this.stopping) {
      conn.close(CloseCode.Normal, 'the link to this node is closing');
      return;
    }
    if (!sameSpec(info.peer, this.spec)) this.updateSpec(info.peer);
    const slot = this.slots.get(info.channel)?.[info.lane];
    if (slot === undefined) {
      conn.close(
        CloseCode.HandshakeProtocol,
        `channel ${info.channel} lane ${info.lane} is not shared with this node`,
      );
      return;
    }
    if (slot.dialing === conn) slot.dialing = undefined;
    conn.attach(this);
    const existing = slot.current;
    if (existing !== undefined && existing !== conn && existing.writable) {
      const decision = resolveDuplicate(
        this.hub.name,
        this.peer,
        existing.direction,
        conn.direction,
      );
      if (decision === 'keep_existing') {
        conn.close(
          CloseCode.DuplicateConnection,
          'duplicate connection: the tie-break kept the other',
        );
        return;
      }
      existing.close(
        CloseCode.DuplicateConnection,
        'duplicate connection: replaced by a newer one',
      );
    }
    slot.current = conn;
    slot.backoff.reset();
    this.cancelSlotTimer(slot);
    if (!this.up) {
      this.up = true;
      this.hub.emitPeer({ type: 'up', peer: this.peer, spec: this.spec });
    }
    this.pump(info.channel, info.lane);
    const isSession = isSessionSlot(info.channel, info.lane, DEFAULT_CHANNEL);
    if (afterAdopt(isSession, conn.direction) === 'fill_now') this.fill();
    else this.scheduleFill();
  }

  private onClosed(conn: Connection, end: ConnectionEnd): void {
    let slot: Slot | undefined;
    for (const lanes of this.slots.values()) {
      for (const s of lanes) if (s.current === conn) slot = s;
    }
    if (slot === undefined) return;
    slot.current = undefined;
    if (this.stopping) return;
    if (dropsOtherConnections(end.code, end.byPeer)) {
      for (const other of this.currentConnections()) {
        other.close(CloseCode.PingTimeout, 'the peer stopped answering on another connection');
        this.clearSlotOf(other);
      }
    }
    const next = afterClose(this.currentConnections().length, end.code, conn.direction);
    switch (next) {
      case 'peer_down': {
        this.up = false;
        this.cancelAllTimers();
        this.hub.emitPeer({ type: 'down', peer: this.peer });
        const session = this.slots.get(DEFAULT_CHANNEL)?.[0];
        if (session !== undefined) this.scheduleRedial(session);
        return;
      }
      case 'redial_slot':
        this.scheduleRedial(slot);
        return;
      case 'fill_later':
        this.scheduleFill();
        return;
      default: {
        const unknown: never = next;
        throw new TypeError(`unknown close decision ${String(unknown)}`);
      }
    }
  }

  private onDialed(conn: Connection, error: Error | undefined): void {
    const slot = this.dialSlots.get(conn);
    this.dialSlots.delete(conn);
    if (error === undefined) {
      this.adopt(conn);
      return;
    }
    if (slot === undefined || slot.dialing !== conn) return;
    slot.dialing = undefined;
    if (this.stopping || slot.current !== undefined) return;
    const duplicate =
      error instanceof HandshakeError && error.code === CloseCode.DuplicateConnection;
    const isSession = isSessionSlot(slot.channel, slot.lane, DEFAULT_CHANNEL);
    const next = afterDialFailure(duplicate, this.up, isSession);
    if (next === 'fill_later') {
      this.scheduleFill();
      return;
    }
    if (next === 'redial') this.scheduleRedial(slot);
    this.hub.config.logger.debug('dial failed', {
      peer: this.peer,
      channel: slot.channel,
      lane: slot.lane,
      error,
    });
  }

  private dial(slot: Slot): void {
    if (this.stopping || slot.current !== undefined || slot.dialing !== undefined) return;
    const addr = dialAddress(this.spec.listenAddrs, slot.backoff.attempt);
    if (addr === undefined) return;
    let conn: Connection;
    try {
      conn = this.hub.dial(addr, this.peer, slot.channel, slot.lane);
    } catch (error) {
      this.hub.config.logger.warn('cannot dial', { peer: this.peer, error });
      this.scheduleRedial(slot);
      return;
    }
    slot.dialing = conn;
    this.dialSlots.set(conn, slot);
    const self = this.ctx.self;
    conn.established.then(
      () => this.notify(self, { type: 'dialed', conn }),
      (error: Error) => this.notify(self, { type: 'dialed', conn, error }),
    );
  }

  /** Delivers a message to this link's actor; if the actor is gone, drops the connection. */
  private notify(self: ServerContext['self'], msg: LinkMessage & { conn: Connection }): void {
    if (!this.hub.isCurrentLink(this.peer, self)) {
      if (msg.type === 'dialed' && msg.error === undefined) {
        msg.conn.close(CloseCode.GoingAway, 'the channel that dialled this connection stopped');
      }
      return;
    }
    send(self, msg);
  }

  /** Dials every slot that has no connection and no dial under way. */
  private fill(): void {
    if (this.stopping || !this.up) return;
    for (const lanes of this.slots.values()) for (const slot of lanes) this.dial(slot);
  }

  /**
   * Gives the peer, which dialled the session, one handshake timeout to dial the other
   * slots before this node dials whatever is still missing.
   */
  private scheduleFill(): void {
    if (this.fillTimer !== undefined || !this.hasMissingSlot()) return;
    this.fillTimer = this.ctx.sendAfter(
      { type: 'fill' } satisfies LinkMessage,
      this.hub.config.handshakeTimeoutMs,
    );
  }

  private scheduleRedial(slot: Slot): void {
    if (slot.timer !== undefined || this.stopping) return;
    const delay = slot.backoff.next();
    slot.timer = this.ctx.sendAfter(
      { type: 'redial', channel: slot.channel, lane: slot.lane } satisfies LinkMessage,
      delay,
    );
  }

  private hasMissingSlot(): boolean {
    for (const lanes of this.slots.values()) {
      for (const slot of lanes) if (slot.current === undefined) return true;
    }
    return false;
  }

  private currentConnections(): Connection[] {
    const out: Connection[] = [];
    for (const lanes of this.slots.values()) {
      for (const slot of lanes) if (slot.current !== undefined) out.push(slot.current);
    }
    return out;
  }

  private clearSlotOf(conn: Connection): void {
    for (const lanes of this.slots.values()) {
      for (const slot of lanes) if (slot.current === conn) slot.current = undefined;
    }
  }

  private cancelSlotTimer(slot: Slot): void {
    if (slot.timer !== undefined) this.ctx.cancelTimer(slot.timer);
    slot.timer = undefined;
  }

  private cancelAllTimers(): void {
    for (const lanes of this.slots.values()) for (const slot of lanes) this.cancelSlotTimer(slot);
    if (this.fillTimer !== undefined) this.ctx.cancelTimer(this.fillTimer);
    this.fillTimer = undefined;
  }

  /** The peer presented another spec (it restarted with other channels or addresses). */
  private updateSpec(spec: NodeSpec): void {
    this.spec = spec;
    const table = negotiateChannels(this.hub.local, spec);
    if (sameTable(table, this.table)) return;
    this.table = table;
    this.queue.reconfigure(table);
    const old = this.slots;
    this.buildSlots();
    for (const [channel, lanes] of old) {
      for (const slot of lanes) {
        const kept = this.slots.get(channel)?.[slot.lane];
        if (kept !== undefined) {
          kept.current = slot.current;
          kept.dialing = slot.dialing;
          if (slot.dialing !== undefined) this.dialSlots.set(slot.dialing, kept);
        } else {
          slot.current?.close(CloseCode.Normal, `channel ${channel} is no longer shared`);
          slot.dialing?.close(CloseCode.Normal, `channel ${channel} is no longer shared`);
        }
        this.cancelSlotTimer(slot);
      }
    }
  }

  private buildSlots(): void {
    const rng = this.hub.config.rng;
    const backoff = this.hub.config.backoff;
    this.slots = new Map();
    for (const [channel, spec] of Object.entries(this.table)) {
      this.slots.set(
        channel,
        Array.from({ length: spec.parallelism }, (_, lane) => ({
          channel,
          lane,
          current: undefined,
          dialing: undefined,
          timer: undefined,
          backoff: new Backoff(rng, backoff),
        })),
      );
    }
  }

  /**
   * Closes every connection with `code` and waits for the sockets to close (each
   * bounded by the close timeout). The link takes no new frames afterwards.
   */
  async shutdown(code: number, reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.cancelAllTimers();
    const closing: Promise<unknown>[] = [];
    for (const lanes of this.slots.values()) {
      for (const slot of lanes) {
        for (const conn of [slot.current, slot.dialing]) {
          if (conn === undefined) continue;
          conn.close(code, reason);
          closing.push(conn.closed);
        }
      }
    }
    this.queue.clear();
    if (this.up) {
      this.up = false;
      this.hub.emitPeer({ type: 'down', peer: this.peer });
    }
    await Promise.all(closing);
  }

  /** Drops every socket at once: the actor died without running `terminate`. */
  abandon(): void {
    this.stopping = true;
    for (const lanes of this.slots.values()) {
      for (const slot of lanes) {
        slot.current?.close(CloseCode.InternalError, 'channel actor died');
        slot.dialing?.close(CloseCode.InternalError, 'channel actor died');
      }
    }
    if (this.up) {
      this.up = false;
      this.hub.emitPeer({ type: 'down', peer: this.peer });
    }
  }
}

function sameSpec(a: NodeSpec, b: NodeSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameTable(a: ChannelTable, b: ChannelTable): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
