/**
 * Messaging between processes: `call` (ask with a timeout, gen_server:call), `cast`
 * (fire and forget, gen_server:cast = nact's dispatch) and `send` (an info message,
 * Erlang's `!`). Sends to a process that is not running never throw: they are
 * dropped and counted as dead letters.
 */
import { globalMetrics } from '../metrics/registry.js';
import { Envelope } from './envelope.js';
import { CallExitError, CallTimeoutError, NoProcError } from './errors.js';
import type { ExitReason } from './exit-reason.js';
import { type ActorRef, dispatch } from './nact.js';
import { deliver, deliverInfo, type PendingCall, type Proc } from './process-table.js';
import { describeTarget, resolveTarget, type Target } from './target.js';

/** Where a call's reply goes. Replying twice, or after the caller gave up, is a no-op. */
export interface From<R = unknown> {
  reply(value: R): void;
}

const deadLetters = globalMetrics.counter(
  'plumtree_dead_letters_total',
  'Messages dropped because their target was not running',
);

/** How many messages were dropped because their target was not running. */
export function deadLetterCount(): number {
  return deadLetters.get();
}

/** setTimeout's largest delay; longer timeouts are clamped to it (about 24.8 days). */
const MAX_DELAY = 2_147_483_647;

class LocalFrom<R> implements From<R>, PendingCall {
  private settled = false;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly proc: Proc,
    private readonly target: Target,
    timeoutMs: number,
    private readonly resolve: (v: R) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    proc.pendingCalls.add(this);
    this.timer =
      timeoutMs === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(
            () => this.fail(new CallTimeoutError(describeTarget(target), timeoutMs)),
            Math.min(timeoutMs, MAX_DELAY),
          );
  }

  reply(value: R): void {
    if (this.settle()) this.resolve(value);
  }

  abandon(reason: ExitReason): void {
    if (this.settle()) this.reject(new CallExitError(describeTarget(this.target), reason));
  }

  private fail(e: Error): void {
    if (this.settle()) this.reject(e);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.proc.pendingCalls.delete(this);
    return true;
  }
}

/** @internal The reply path of a plain nact `query` whose message carries `replyTo`. */
export class QueryFrom<R> implements From<R> {
  private replied = false;
  constructor(private readonly replyTo: ActorRef) {}
  reply(value: R): void {
    if (this.replied) return;
    this.replied = true;
    dispatch(this.replyTo, value);
  }
}

/** Sends a reply for a call a server answered with `noreply`. */
export function reply<R>(from: From<R>, value: R): void {
  from.reply(value);
}

/**
 * Asks `target` and resolves with its reply. Rejects with {@link NoProcError} if it
 * is not running, {@link CallTimeoutError} after `timeoutMs` (the late reply is then
 * dropped), or {@link CallExitError} if it stops before replying. `Infinity` waits
 * for as long as the target lives.
 */
export function call<R = unknown>(target: Target, msg: unknown, timeoutMs = 5000): Promise<R> {
  const proc = resolveTarget(target);
  if (!proc) return Promise.reject(new NoProcError(describeTarget(target)));
  if (!(timeoutMs > 0)) {
    return Promise.reject(new RangeError(`call timeout must be > 0 or Infinity, got ${timeoutMs}`));
  }
  return new Promise<R>((resolve, reject) => {
    const from = new LocalFrom<R>(proc, target, timeoutMs, resolve, reject);
    deliver(proc, new Envelope('call', msg, from));
  });
}

/** Hands `msg` to `target`'s `handleCast`. Never throws; a stopped target counts a dead letter. */
export function cast(target: Target, msg: unknown): void {
  const proc = resolveTarget(target);
  if (!proc) {
    deadLetters.inc();
    return;
  }
  deliver(proc, msg);
}

/** Hands `msg` to `target`'s `handleInfo`. Never throws; a stopped target counts a dead letter. */
export function send(target: Target, msg: unknown): void {
  const proc = resolveTarget(target);
  if (!proc) {
    deadLetters.inc();
    return;
  }
  deliverInfo(proc, msg);
}

/** @internal Counts a message that reached a dead process's mailbox. */
export function countDeadLetter(): void {
  deadLetters.inc();
}
