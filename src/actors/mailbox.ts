/**
 * A server's own mailbox, in front of nact's. nact runs every message in its own
 * `setImmediate` turn, builds a context object (copying the children map) for it and
 * awaits its result: several microseconds a message, paid by every frame a node
 * relays. The runtime's sends (`cast`, `call`, `send`, timers, monitors) queue here
 * instead, and nact is given one wake-up per batch: the server then takes the queued
 * messages one at a time, in arrival order, exactly as before, and hands the loop back
 * to nact (and so to I/O) after {@link MAX_BATCH} of them.
 *
 * Semantics do not change: one message at a time, in the order sent, an async
 * callback awaited before the next message, and the batch boundary invisible to the
 * server. A message a user sends with nact's own `dispatch` bypasses this queue and is
 * handled when nact delivers it, as before.
 */
import { type ActorRef, dispatch } from './nact.js';

/** The wake-up nact delivers: "take what is queued". Never seen by a callback. */
export const WAKE: unique symbol = Symbol('mailbox.wake');

/**
 * Messages taken per wake-up before the server yields to the event loop: large enough
 * that a burst costs one nact turn per few hundred frames, small enough that sockets
 * and timers are served within a few milliseconds under a flood.
 */
export const MAX_BATCH = 256;

/** Returned by {@link Mailbox.take} when nothing is queued. */
export const EMPTY: unique symbol = Symbol('mailbox.empty');

/** @internal The queue of one server process. */
export class Mailbox {
  private items: unknown[] = [];
  private head = 0;
  private awake = false;

  constructor(private readonly ref: ActorRef) {}

  /** Messages waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues `msg`; wakes the server through nact if it is not already awake. */
  push(msg: unknown): void {
    this.items.push(msg);
    if (!this.awake) {
      this.awake = true;
      dispatch(this.ref, WAKE);
    }
  }

  /** The oldest message, or {@link EMPTY}; once empty, the next push wakes the server again. */
  take(): unknown {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
      this.awake = false;
      return EMPTY;
    }
    const msg = this.items[this.head];
    this.items[this.head++] = undefined;
    // compact now and then so a long-lived busy queue does not keep a hole at its front
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return msg;
  }

  /** The batch ran out of budget with messages left: asks nact for another turn. */
  yieldTurn(): void {
    this.awake = true;
    dispatch(this.ref, WAKE);
  }

  /** Drops everything queued (the process is dead); returns how many were dropped. */
  clear(): number {
    const dropped = this.length;
    this.items = [];
    this.head = 0;
    return dropped;
  }
}
