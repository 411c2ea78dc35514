import type WebSocket from 'ws';
import type { ChannelCounters } from './channel-counters.js';
import { BATCH_BYTES } from './codec.js';

/**
 * Writing one connection's frames to its socket. Frames written in one turn of the
 * event loop leave together as one WebSocket message (frames back to back; see
 * `decodeFrames`): a relay forwarding a burst pays the WebSocket framing, the client's
 * masking, the system call and the peer's per-message work once per batch instead of
 * once per frame. The socket's high-water mark is watched so that the link's queue,
 * not this process's memory, holds what a slow peer cannot take yet (`wantDrain` →
 * `onDrained`).
 */

/** Largest WebSocket frame header: 2 bytes, 8 of extended length, 4 of mask. */
const MAX_WS_HEADER_BYTES = 14;

/** The writing side of one connection. */
export class SocketWriter {
  /** Frames waiting for the end of this turn, and their total size. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** A frame of the pending batch asked for its completion to be reported. */
  private pendingWantsNotify = false;
  private flushScheduled = false;
  /** Writes whose completion will call `afterWrite`. */
  private pendingNotify = 0;
  private drainWanted = false;
  private drainPoll: ReturnType<typeof setImmediate> | undefined;
  private stopped = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly highWaterBytes: number,
    private readonly counters: ChannelCounters,
    /** True while frames can be written. */
    private readonly writable: () => boolean,
    /** The socket is below its high-water mark again after `wantDrain`. */
    private readonly onDrained: () => void,
  ) {}

  /** Bytes written but not yet handed to the kernel (the batch being gathered included). */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount + this.pendingBytes;
  }

  /**
   * Writes an encoded frame of `channel`, at the end of this turn of the event loop.
   * With `notify`, its completion is reported even if the socket stays under its mark.
   * The bytes must not change until then (a view into msgpackr's scratch chunk is
   * fine: later encodings never overwrite it).
   */
  send(bytes: Uint8Array, channel: string, notify = false): void {
    this.counters.recordSent(channel, bytes.byteLength);
    if (this.pendingBytes + bytes.byteLength > BATCH_BYTES) this.flush();
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    if (notify) this.pendingWantsNotify = true;
    if (this.pendingBytes >= BATCH_BYTES) {
      // a full batch leaves now, so that the peer starts reading meanwhile
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushLater);
    }
  }

  /** Hands the gathered batch to ws now (before a close, so nothing written is lost). */
  flush(): void {
    const count = this.pending.length;
    if (count === 0) return;
    const size = this.pendingBytes;
    const message =
      count === 1
        ? (this.pending[0] as Uint8Array)
        : Buffer.concat(this.pending as Uint8Array[], size);
    const notify = this.pendingWantsNotify;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingWantsNotify = false;
    if (this.stopped) return;
    // Only a write that may take the socket past its high-water mark needs to report
    // its completion (callbacks cost): while the socket is above the mark every write
    // does, so a frame held back always has a completion coming to wake it.
    if (notify || this.ws.bufferedAmount + size + MAX_WS_HEADER_BYTES >= this.highWaterBytes) {
      this.pendingNotify++;
      this.ws.send(message, this.afterWrite);
    } else {
      this.ws.send(message);
    }
  }

  /** Asks for one `onDrained` call once the socket is below its high-water mark again. */
  wantDrain(): void {
    this.drainWanted = true;
    if (this.pendingNotify === 0 && this.pending.length === 0) this.pollDrain();
    else if (this.pending.length > 0) this.pendingWantsNotify = true;
  }

  /** Stops watching the socket (it is closing); a batch not yet written is dropped. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.drainPoll !== undefined) clearImmediate(this.drainPoll);
    this.drainPoll = undefined;
  }

  private readonly flushLater = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private readonly afterWrite = (): void => {
    this.pendingNotify--;
    this.checkDrain();
  };

  private checkDrain(): void {
    if (!this.drainWanted || !this.writable()) return;
    if (this.bufferedAmount < this.highWaterBytes) {
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
