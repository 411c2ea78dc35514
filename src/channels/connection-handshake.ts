import { randomBytes } from 'node:crypto';
import { CloseCode } from './close-codes.js';
import type { Envelope } from './envelope.js';
import { HandshakeError, NotReachableError } from './errors.js';
import {
  type HandshakeAuth,
  type HandshakeState,
  type HandshakeStep,
  startHandshake,
  stepHandshake,
} from './handshake.js';
import type { HandshakeRole } from './handshake-proof.js';
import type { NodeSpec } from './node-spec.js';

/**
 * The shell of one connection's handshake (`handshake.ts` is the pure state machine):
 * it holds the dialler's hello until the socket opens, bounds the whole handshake (TCP
 * connect and upgrade included) by one timeout, refuses a blocked peer before
 * answering it, and settles the connection's `established` promise exactly once.
 */

/** What a finished handshake tells the owner of the connection. */
export interface Established {
  readonly peer: NodeSpec;
  readonly channel: string;
  readonly lane: number;
  readonly role: HandshakeRole;
}

/** Options of one connection. */
export type ConnectionOptions =
  | { readonly role: 'acceptor' }
  | {
      readonly role: 'dialer';
      /** Undefined when dialling a seed address whose node name is unknown. */
      readonly expectedPeer: string | undefined;
      readonly channel: string;
      readonly lane: number;
      /** For error messages: the address dialled. */
      readonly target: string;
    };

/** The settings a handshake reads. */
export interface HandshakeSettings {
  readonly local: NodeSpec;
  readonly cluster: string;
  readonly auth: HandshakeAuth;
  readonly handshakeTimeoutMs: number;
  /** Peers this node blocks: an acceptor refuses their hello before answering it. */
  readonly isBlocked?: (peer: string) => boolean;
}

/** What the handshake does to its connection. */
export interface HandshakeHooks {
  send(envelope: Envelope): void;
  close(code: number, reason: string): void;
  /** The handshake succeeded; called before `established` resolves. */
  established(info: Established): void;
}

const NONCE_BYTES = 32;

/** One connection's handshake; see the module comment. */
export class ConnectionHandshake {
  /** Resolves once the handshake succeeds; rejects with a HandshakeError or NotReachableError. */
  readonly established: Promise<Established>;
  /** True once the socket opened. */
  opened = false;
  private state: HandshakeState | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private settled = false;
  /** The dialler's hello, held until the socket opens. */
  private pendingHello: readonly Envelope[] = [];
  private resolve!: (e: Established) => void;
  private reject!: (e: Error) => void;

  constructor(
    private readonly settings: HandshakeSettings,
    private readonly options: ConnectionOptions,
    private readonly hooks: HandshakeHooks,
  ) {
    this.established = new Promise<Established>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // the owner may never await it (a refused acceptor), so a rejection must not go unhandled
    this.established.catch(() => undefined);
    this.timer = setTimeout(() => this.onTimeout(), settings.handshakeTimeoutMs);
    const common = {
      local: settings.local,
      cluster: settings.cluster,
      auth: settings.auth,
      nonce: randomBytes(NONCE_BYTES),
    };
    const step =
      options.role === 'dialer'
        ? startHandshake({
            ...common,
            role: 'dialer',
            channel: options.channel,
            lane: options.lane,
            ...(options.expectedPeer === undefined ? {} : { expectedPeer: options.expectedPeer }),
          })
        : startHandshake({ ...common, role: 'acceptor' });
    this.state = step.state;
    this.pendingHello = step.send;
  }

  /** True while the handshake runs (frames go to {@link frame}). */
  get running(): boolean {
    return this.state !== undefined;
  }

  /** The socket opened; the held hello goes out unless the connection is closing. */
  open(closing: boolean): void {
    this.opened = true;
    if (closing) return;
    const hello = this.pendingHello;
    this.pendingHello = [];
    for (const f of hello) this.hooks.send(f);
  }

  /** A frame received while the handshake runs. */
  frame(received: Envelope): void {
    const state = this.state;
    if (state === undefined) return;
    // Refused before this side says anything, so the dialler's handshake fails too.
    if (received.k === 'hello' && this.settings.isBlocked?.(received.b.spec.name)) {
      this.end();
      this.fail(new HandshakeError(CloseCode.Blocked, 'this node blocks you'));
      this.hooks.close(CloseCode.Blocked, 'this node blocks you');
      return;
    }
    this.apply(stepHandshake(state, { type: 'frame', frame: received }));
  }

  /** Rejects `established` if the handshake has not finished; later calls are no-ops. */
  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.state = undefined;
    this.reject(error);
  }

  /** Stops the timer (the connection is closing). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private end(): void {
    this.state = undefined;
    this.stop();
  }

  private onTimeout(): void {
    this.timer = undefined;
    const state = this.state;
    if (state === undefined) return;
    if (!this.opened && this.options.role === 'dialer') {
      this.fail(
        new NotReachableError(this.options.target, 'no connection within the handshake timeout'),
      );
      this.hooks.close(CloseCode.HandshakeTimeout, 'could not connect in time');
      return;
    }
    this.apply(stepHandshake(state, { type: 'timeout' }));
  }

  private apply(step: HandshakeStep): void {
    for (const f of step.send) this.hooks.send(f);
    this.state = step.state;
    const outcome = step.outcome;
    if (outcome === undefined) return;
    this.end();
    if (outcome.type === 'failed') {
      this.fail(outcome.error);
      this.hooks.close(outcome.error.code, outcome.error.reason);
      return;
    }
    const info: Established = {
      peer: outcome.peer,
      channel: outcome.channel,
      lane: outcome.lane,
      role: outcome.role,
    };
    this.settled = true;
    this.hooks.established(info);
    this.resolve(info);
  }
}
