import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { ChannelCounters } from './channel-counters.js';

/**
 * Writing one connection's frames to its socket: frames written in one turn of the
 * event loop leave corked in one system call, and the socket's high-water mark is
 * watched so that the link's queue, not this process's memory, holds what a slow peer
 * cannot take yet (`wantDrain` → `onDrained`).
 */

/** Bytes gathered under one cork before they are written anyway. */
const CORK_FLUSH_BYTES = 64 * 1024;
/** Largest WebSocket frame header: 2 bytes, 8 of extended length, 4 of mask. */
const MAX_WS_HEADER_BYTES = 14;

/** The writing side of one connection. */
export class SocketWriter {
  private socket: Duplex | undefined;
  private corked = false;
  private corkedBytes = 0;
  /** Writes whose completion will call `afterWrite`. */
  private pendingNotify = 0;
  private drainWanted = false;
  private drainPoll: ReturnType<typeof setImmediate> | undefined;

  constructor(
    private readonly ws: WebSocket,
    socket: Duplex | undefined,
    private readonly highWaterBytes: number,
    private readonly counters: ChannelCounters,
    /** True while frames can be written. */
    private readonly writable: () => boolean,
    /** The socket is below its high-water mark again after `wantDrain`. */
    private readonly onDrained: () => void,
  ) {
    this.socket = socket;
    // a dialler learns its socket from the upgrade response
    if (socket === undefined)
      ws.once('upgrade', (res: { socket: Duplex }) => {
        this.socket = res.socket;
      });
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Writes an encoded frame of `channel`. With `notify`, its completion is reported
   * even if the socket stays under its mark.
   */
  send(bytes: Uint8Array, channel: string, notify = false): void {
    this.counters.recordSent(channel, bytes.byteLength);
    const socket = this.socket;
    if (socket !== undefined) {
      if (!this.corked) {
        // small frames written in one turn of the event loop leave in one system call
        this.corked = true;
        this.corkedBytes = 0;
        socket.cork();
        process.nextTick(this.uncork);
      } else if (this.corkedBytes >= CORK_FLUSH_BYTES) {
        // enough for one write: send it now, so that the peer starts reading meanwhile
        this.corkedBytes = 0;
        socket.uncork();
        socket.cork();
      }
      this.corkedBytes += bytes.byteLength;
    }
    // Only a write that may take the socket past its high-water mark needs to report
    // its completion (callbacks cost): while the socket is above the mark every write
    // does, so a frame held back always has a completion coming to wake it.
    if (
      notify ||
      this.ws.bufferedAmount + bytes.byteLength + MAX_WS_HEADER_BYTES >= this.highWaterBytes
    ) {
      this.pendingNotify++;
      this.ws.send(bytes, this.afterWrite);
    } else {
      this.ws.send(bytes);
    }
  }

  /** Asks for one `onDrained` call once the socket is below its high-water mark again. */
  wantDrain(): void {
    this.drainWanted = true;
    if (this.pendingNotify === 0) this.pollDrain();
  }

  /** Stops watching the socket (it is closing). */
  stop(): void {
    if (this.drainPoll !== undefined) clearImmediate(this.drainPoll);
    this.drainPoll = undefined;
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket?.uncork();
  };

  private readonly afterWrite = (): void => {
    this.pendingNotify--;
    this.checkDrain();
  };

  private checkDrain(): void {
    if (!this.drainWanted || !this.writable()) return;
    if (this.ws.bufferedAmount < this.highWaterBytes) {
      this.drainWanted = false;
      this.onDrained();
    } else if (this.pendingNotify === 0) {
      this.pollDrain();
    }
  }

  /** No write is left to report back: look again on the next turn of the event loop. */
  private pollDrain(): void {
    if (this.drainPoll !== undefined) return;
    this.drainPoll = setImmediate(() => {
      this.drainPoll = undefined;
      this.checkDrain();
    });
  }
}
