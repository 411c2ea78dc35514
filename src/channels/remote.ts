import {
  CallExitError,
  CallTimeoutError,
  call,
  cast,
  formatReason,
  NoProcError,
} from '../actors/index.js';
import {
  type CallBody,
  type CallErrorBody,
  type CastBody,
  type Envelope,
  frame,
  type RemoteCallErrorKind,
  type ReplyBody,
} from './envelope.js';
import {
  ChannelsStoppedError,
  FrameError,
  PeerDownError,
  RemoteCallTimeoutError,
  RemoteExitError,
  RemoteNoProcError,
} from './errors.js';
import { MAX_TEXT_LENGTH, MAX_TIMEOUT_MS } from './frame-schema.js';
import type { RemoteHost, RemoteInbound } from './link-host.js';
import { scopedName } from './names.js';

/** A remote process: the service name it is registered under on `node`. */
export interface RemoteTarget {
  readonly name: string;
  readonly node: string;
}

interface Pending {
  readonly peer: string;
  readonly target: string;
  readonly timeoutMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Remote cast and call, as OTP's `gen_server:cast/call({Name, Node}, ...)`: outgoing
 * calls wait in a table keyed by a per-node reference until their reply, their error,
 * their timeout or their peer's loss; incoming casts and calls are handed to the local
 * process registered as `scopedName(name, thisNode)`, and a call's outcome goes back
 * over the channel it came on.
 */
export class RemoteCalls implements RemoteInbound {
  private nextRef = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly hub: RemoteHost) {}

  /** Calls in flight (for tests and introspection). */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends a call to `target` over `channel` and resolves with the reply. Rejects with
   * `PeerDownError` at once when the peer is unknown or down with no reconnect under
   * way, or at the timeout if it is still down then; `RemoteCallTimeoutError` when a
   * connected peer did not answer in time; `RemoteNoProcError` / `RemoteExitError` as
   * the peer reports; `QueueFullError` / `FrameError` when the call cannot be queued.
   */
  call<R>(target: RemoteTarget, msg: unknown, timeoutMs: number, channel: string): Promise<R> {
    const { name, node: peer } = target;
    if (!(timeoutMs > 0)) {
      return Promise.reject(new RangeError(`call timeout must be > 0 (got ${timeoutMs})`));
    }
    if (this.hub.stopped) return Promise.reject(new ChannelsStoppedError(this.hub.name));
    const link = this.hub.route(peer);
    if (link === undefined || (!link.up && !link.connecting)) {
      return Promise.reject(new PeerDownError(peer));
    }
    const ref = this.nextRef++;
    const wireTimeout = Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.ceil(timeoutMs)));
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        // a peer that never came back is the better explanation than a slow one
        reject(
          this.hub.isUp(peer)
            ? new RemoteCallTimeoutError(peer, name, timeoutMs)
            : new PeerDownError(peer),
        );
      }, wireTimeout);
      this.pending.set(ref, {
        peer,
        target: name,
        timeoutMs,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      });
      try {
        link.sendFrame(frame(channel, 'call', { to: name, ref, msg, timeoutMs: wireTimeout }));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(ref);
        reject(error as Error);
      }
    });
  }

  /** A reply from `peer`; one for a call that already gave up is dropped. */
  onReply(peer: string, body: ReplyBody): void {
    const pending = this.settle(peer, body.ref);
    pending?.resolve(body.msg);
  }

  /** A call error from `peer`, turned into the matching typed error. */
  onCallError(peer: string, body: CallErrorBody): void {
    const pending = this.settle(peer, body.ref);
    if (pending === undefined) return;
    switch (body.error) {
      case 'noproc':
        pending.reject(new RemoteNoProcError(peer, pending.target));
        return;
      case 'timeout':
        pending.reject(new RemoteCallTimeoutError(peer, pending.target, pending.timeoutMs));
        return;
      case 'exit':
        pending.reject(new RemoteExitError(peer, pending.target, body.message));
        return;
    }
  }

  /** The peer went down: its calls cannot be answered over the lost connections. */
  peerDown(peer: string): void {
    for (const [ref, pending] of this.pending) {
      if (pending.peer !== peer) continue;
      clearTimeout(pending.timer);
      this.pending.delete(ref);
      pending.reject(new PeerDownError(peer));
    }
  }

  /** The node stops: every call in flight fails. */
  stop(): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new ChannelsStoppedError(this.hub.name));
    }
    this.pending.clear();
  }

  /** A cast from a peer, for a local process. */
  onCast(body: CastBody): void {
    cast(scopedName(body.to, this.hub.name), body.msg);
  }

  /** A call from `peer` on `channel`: runs it locally and sends back its outcome. */
  onCall(peer: string, channel: string, body: CallBody): void {
    const local = scopedName(body.to, this.hub.name);
    call(local, body.msg, body.timeoutMs).then(
      (value) => this.answer(peer, frame(channel, 'reply', { ref: body.ref, msg: value }), body),
      (error: unknown) => {
        const [kind, message] = describeCallFailure(error);
        this.answer(
          peer,
          frame(channel, 'call_error', { ref: body.ref, error: kind, message }),
          body,
        );
      },
    );
  }

  private answer(peer: string, envelope: Envelope, body: CallBody): void {
    const link = this.hub.route(peer);
    if (link === undefined) return;
    try {
      link.sendFrame(envelope);
    } catch (error) {
      if (error instanceof FrameError && envelope.k === 'reply') {
        // the reply is not plain data: the caller learns why instead of timing out
        this.answer(
          peer,
          frame(envelope.ch, 'call_error', {
            ref: body.ref,
            error: 'exit',
            message: clip(`reply cannot be sent: ${error.reason}`),
          }),
          body,
        );
        return;
      }
      this.hub.config.logger.warn('cannot answer a remote call', { peer, to: body.to, error });
    }
  }

  private settle(peer: string, ref: number): Pending | undefined {
    const pending = this.pending.get(ref);
    if (pending === undefined || pending.peer !== peer) return undefined;
    clearTimeout(pending.timer);
    this.pending.delete(ref);
    return pending;
  }
}

/** How a local call failed, as a call error kind and a message for the caller. */
export function describeCallFailure(error: unknown): [RemoteCallErrorKind, string] {
  if (error instanceof NoProcError) return ['noproc', clip(error.message)];
  if (error instanceof CallTimeoutError) return ['timeout', clip(error.message)];
  if (error instanceof CallExitError) return ['exit', clip(error.message)];
  return ['exit', clip(error instanceof Error ? error.message : formatReason({ error }))];
}

function clip(text: string): string {
  return text.length > MAX_TEXT_LENGTH ? `${text.slice(0, MAX_TEXT_LENGTH - 3)}...` : text;
}
