/**
 * gen_server on nact. A server is a behaviour object of typed callbacks; the runtime
 * runs it in an nact actor, so messages are handled strictly one at a time in arrival
 * order, async handlers included (nact awaits each before taking the next).
 *
 * The runtime's sends queue in the server's own {@link Mailbox}, which nact drains in
 * batches (one nact turn per batch rather than per message); nact's own `dispatch`
 * still reaches the server, one nact turn per message.
 *
 * Message routing: a plain message sent with nact's `dispatch` (or {@link cast}) goes
 * to `handleCast`; a plain message carrying nact's `replyTo` (nact's `query`) and
 * runtime calls go to `handleCall`; timers, monitors and {@link send} go to
 * `handleInfo`.
 */
import { countDeadLetter, type From, QueryFrom } from './call.js';
import { Envelope } from './envelope.js';
import { AlreadyRegisteredError, NoProcError, UndefinedCallbackError } from './errors.js';
import type { ExitReason } from './exit-reason.js';
import { EMPTY, MAX_BATCH, Mailbox, WAKE } from './mailbox.js';
import { demonitor, monitor } from './monitors.js';
import { type ActorRef, isTempRef, spawnRaw } from './nact.js';
import {
  addProc,
  bindName,
  type DownMessage,
  deliver,
  exitProc,
  freshId,
  type MonitorRef,
  Proc,
  procOf,
} from './process-table.js';
import { resolveTarget, type Target } from './target.js';
import { cancelTimer, sendAfter, type TimerRef } from './timers.js';

/** What a server's callbacks can do to their own process. */
export interface ServerContext {
  readonly self: ActorRef;
  readonly parent: ActorRef;
  /** The registered name, if the server was started with one. */
  readonly name: string | undefined;
  /** Stops the server once the current callback returns: `terminate` runs, then watchers see `reason`. */
  stop(reason?: ExitReason): void;
  /** Delivers `msg` to this server's `handleInfo` after `ms`; cancelled if the server stops. */
  sendAfter(msg: unknown, ms: number): TimerRef;
  cancelTimer(timer: TimerRef): boolean;
  /** This server will get a {@link DownMessage} in `handleInfo` when `target` stops. */
  monitor(target: Target): MonitorRef;
  demonitor(ref: MonitorRef): void;
}

/** What `handleCall` returns: a reply now, or none now and one later through `from`. */
export type CallResult<R, S> =
  | { readonly reply: R; readonly state: S }
  | { readonly noreply: true; readonly state: S };

type MaybePromise<T> = T | Promise<T>;

/**
 * A gen_server behaviour. `init` builds the state (a throw or rejection fails the
 * start with that error); a throw or rejection in any other callback crashes the
 * server: `terminate` runs and the reason reaches its monitors and supervisor.
 */
export interface GenServer<Args, S, Call = never, R = unknown, Cast = never, Info = unknown> {
  init(args: Args, ctx: ServerContext): MaybePromise<S>;
  handleCall?(
    msg: Call,
    from: From<R>,
    state: S,
    ctx: ServerContext,
  ): MaybePromise<CallResult<R, S>>;
  handleCast?(msg: Cast, state: S, ctx: ServerContext): MaybePromise<S>;
  /** Timers, monitors' DOWN messages and anything sent with `send`. Unset: they are dropped. */
  handleInfo?(msg: Info | DownMessage, state: S, ctx: ServerContext): MaybePromise<S>;
  terminate?(reason: ExitReason, state: S, ctx: ServerContext): MaybePromise<void>;
}

/** Options for {@link spawnServer}. */
export interface SpawnOptions {
  /** Register under this name (any string); the start fails if a live process holds it. */
  readonly name?: string;
  /** A label for logs and nact's actor path when there is no name. */
  readonly label?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a behaviour of any message types may be run.
type AnyServer = GenServer<any, any, any, any, any, any>;

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return (
    typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function'
  );
}

function isQuery(msg: unknown): msg is { replyTo: ActorRef } {
  return (
    typeof msg === 'object' && msg !== null && isTempRef((msg as { replyTo?: unknown }).replyTo)
  );
}

const NACT_NAME = /[^a-z0-9\-$_.+!*'(),]/gi;

class ServerProcess {
  state: unknown;
  private stopRequest: ExitReason | undefined;
  readonly ctx: ServerContext;
  private readonly label: string;

  constructor(
    readonly proc: Proc,
    private readonly behaviour: AnyServer,
    parent: ActorRef,
  ) {
    this.label = proc.label;
    const self = proc.ref;
    this.ctx = {
      self,
      parent,
      get name() {
        return proc.registeredName;
      },
      stop: (reason: ExitReason = 'normal') => {
        this.stopRequest = reason;
      },
      sendAfter: (msg, ms) => sendAfter(self, msg, ms),
      cancelTimer: (t) => cancelTimer(t),
      monitor: (target) => monitor(self, target),
      demonitor: (ref) => demonitor(ref),
    };
  }

  /** nact's actor function: one call per nact message, awaited before the next. */
  readonly handle = (_nactState: unknown, msg: unknown): unknown =>
    msg === WAKE ? this.drain(0) : this.handleOne(msg);

  /**
   * Takes queued messages one at a time until the mailbox is empty, a callback
   * returns a promise (the rest waits for it, as nact would), or the batch is full.
   */
  private drain(done: number): unknown {
    const mailbox = this.proc.mailbox;
    if (mailbox === undefined) return undefined;
    for (let n = done; ; n++) {
      if (this.proc.status === 'dead') return undefined;
      if (n >= MAX_BATCH) {
        mailbox.yieldTurn();
        return undefined;
      }
      const msg = mailbox.take();
      if (msg === EMPTY) return undefined;
      const r = this.handleOne(msg);
      if (isPromiseLike(r)) {
        const next = n + 1;
        return r.then(() => this.drain(next));
      }
    }
  }

  private handleOne(msg: unknown): unknown {
    if (this.proc.status === 'dead') {
      countDeadLetter();
      return undefined;
    }
    if (msg instanceof Envelope) {
      switch (msg.kind) {
        case 'init':
          return this.onInit(msg.body);
        case 'call':
          return this.onCall(msg.body, msg.from as From<unknown>);
        case 'info':
          return this.onInfo(msg.body);
        case 'stop':
          return this.exit(msg.body as ExitReason);
        default: {
          const unknownKind: never = msg.kind;
          return this.crash(new TypeError(`unknown envelope ${String(unknownKind)}`));
        }
      }
    }
    if (isQuery(msg)) return this.onCall(msg, new QueryFrom(msg.replyTo));
    return this.onCast(msg);
  }

  private onInit(args: unknown): unknown {
    let r: unknown;
    try {
      r = this.behaviour.init(args, this.ctx);
    } catch (e) {
      return this.initFailed(e);
    }
    if (isPromiseLike(r)) return r.then(this.initDone, (e) => this.initFailed(e));
    return this.initDone(r);
  }

  private readonly initDone = (state: unknown): unknown => {
    if (this.proc.status === 'dead') return undefined;
    this.state = state;
    this.proc.status = 'running';
    this.proc.resolveStarted();
    return this.afterCallback();
  };

  private initFailed(e: unknown): undefined {
    // OTP does not run terminate when init fails: there is no state to clean up.
    exitProc(this.proc, { error: e });
    return undefined;
  }

  private onCast(msg: unknown): unknown {
    const h = this.behaviour.handleCast;
    if (!h) return this.crash(new UndefinedCallbackError('handleCast', this.label));
    let r: unknown;
    try {
      r = h.call(this.behaviour, msg, this.state, this.ctx);
    } catch (e) {
      return this.crash(e);
    }
    if (isPromiseLike(r)) return r.then(this.setState, this.crash);
    return this.setState(r);
  }

  private onInfo(msg: unknown): unknown {
    const h = this.behaviour.handleInfo;
    if (!h) return undefined;
    let r: unknown;
    try {
      r = h.call(this.behaviour, msg, this.state, this.ctx);
    } catch (e) {
      return this.crash(e);
    }
    if (isPromiseLike(r)) return r.then(this.setState, this.crash);
    return this.setState(r);
  }

  private onCall(msg: unknown, from: From<unknown>): unknown {
    const h = this.behaviour.handleCall;
    if (!h) return this.crash(new UndefinedCallbackError('handleCall', this.label));
    let r: unknown;
    try {
      r = h.call(this.behaviour, msg, from, this.state, this.ctx);
    } catch (e) {
      return this.crash(e);
    }
    if (isPromiseLike(r)) return r.then((res) => this.callDone(res, from), this.crash);
    return this.callDone(r, from);
  }

  private callDone(r: unknown, from: From<unknown>): unknown {
    if (this.proc.status === 'dead') return undefined;
    const res = r as { reply?: unknown; noreply?: true; state: unknown };
    if (typeof res !== 'object' || res === null || !('state' in res)) {
      return this.crash(
        new TypeError(
          `${this.label}: handleCall must return { reply, state } or { noreply: true, state }`,
        ),
      );
    }
    this.state = res.state;
    if ('reply' in res) from.reply(res.reply);
    return this.afterCallback();
  }

  private readonly setState = (s: unknown): unknown => {
    if (this.proc.status === 'dead') return undefined;
    this.state = s;
    return this.afterCallback();
  };

  private afterCallback(): unknown {
    if (this.stopRequest === undefined) return undefined;
    return this.exit(this.stopRequest);
  }

  private readonly crash = (e: unknown): unknown => {
    if (this.proc.status === 'dead') return undefined;
    return this.exit({ error: e });
  };

  /** Runs `terminate`, then records the exit. A fault in `terminate` becomes the reason. */
  private exit(reason: ExitReason): unknown {
    if (this.proc.status === 'dead') return undefined;
    const t = this.behaviour.terminate;
    if (!t || this.proc.status === 'starting') {
      exitProc(this.proc, reason);
      return undefined;
    }
    let r: unknown;
    try {
      r = t.call(this.behaviour, reason, this.state, this.ctx);
    } catch (e) {
      exitProc(this.proc, { error: e });
      return undefined;
    }
    if (isPromiseLike(r)) {
      return r.then(
        () => exitProc(this.proc, reason),
        (e: unknown) => exitProc(this.proc, { error: e }),
      );
    }
    exitProc(this.proc, reason);
    return undefined;
  }
}

/**
 * Spawns a server under `parent` (an nact system, a supervisor or any actor) and
 * returns its reference at once; `init` runs as the first message, so anything sent
 * meanwhile waits behind it. Use {@link startServer} to wait for `init`.
 */
export function spawnServer<Args, S>(
  parent: ActorRef,
  behaviour: GenServer<Args, S, never, unknown, never, unknown> | AnyServer,
  args: Args,
  options: SpawnOptions = {},
): ActorRef {
  const id = freshId();
  const label = options.name ?? options.label ?? 'server';
  const nactName = `${label.replace(NACT_NAME, '_').slice(0, 60)}-${id}`;
  let server: ServerProcess | undefined;
  let ref: ActorRef;
  try {
    ref = spawnRaw(
      parent,
      (s, m) => server?.handle(s, m),
      nactName,
      () => {
        if (server) exitProc(server.proc, 'killed');
      },
    );
  } catch (e) {
    throw new NoProcError(`parent of ${label} (${e instanceof Error ? e.message : String(e)})`);
  }
  const proc = new Proc(ref, label);
  addProc(proc, parent);
  if (options.name !== undefined && bindName(options.name, proc)) {
    exitProc(proc, { error: new AlreadyRegisteredError(options.name) });
    throw new AlreadyRegisteredError(options.name);
  }
  proc.mailbox = new Mailbox(ref);
  server = new ServerProcess(proc, behaviour as AnyServer, parent);
  deliver(proc, new Envelope('init', args));
  return ref;
}

/** Spawns a server and resolves once `init` has returned; rejects with `init`'s error. */
export async function startServer<Args, S>(
  parent: ActorRef,
  behaviour: GenServer<Args, S, never, unknown, never, unknown> | AnyServer,
  args: Args,
  options: SpawnOptions = {},
): Promise<ActorRef> {
  const ref = spawnServer(parent, behaviour, args, options);
  await whenStarted(ref);
  return ref;
}

/** Resolves when the server's `init` has returned; rejects with its error. */
export function whenStarted(ref: ActorRef): Promise<void> {
  const proc = procOf(ref);
  if (!proc) return Promise.reject(new NoProcError(ref.name ?? 'unknown actor'));
  return proc.started;
}

/** Resolves with the reason once the process has stopped (at once if it already has). */
export function whenExited(ref: ActorRef): Promise<ExitReason> {
  const proc = procOf(ref);
  return proc ? proc.exited : Promise.resolve('noproc');
}

/** True while the process runs (or is still in `init`). */
export function isAlive(target: Target): boolean {
  return resolveTarget(target) !== undefined;
}

/** Kills a process at once: no `terminate`, watchers see `killed`. */
export function kill(target: Target): void {
  const proc = resolveTarget(target);
  if (proc) exitProc(proc, 'killed');
}

/**
 * Stops a server the way a supervisor does: `reason` is queued behind the messages
 * already in its mailbox, `terminate` runs, and if it has not finished within
 * `shutdown` ms the process is killed. `'brutal_kill'` kills at once; `'infinity'`
 * waits for as long as it takes. Resolves with the exit reason.
 */
export function stopServer(
  target: Target,
  reason: ExitReason = 'normal',
  shutdown: number | 'brutal_kill' | 'infinity' = 5000,
): Promise<ExitReason> {
  const proc = resolveTarget(target);
  if (!proc) return Promise.resolve('noproc');
  if (shutdown === 'brutal_kill') {
    exitProc(proc, 'killed');
    return proc.exited;
  }
  deliver(proc, new Envelope('stop', reason));
  if (shutdown === 'infinity') return proc.exited;
  const timer = setTimeout(() => exitProc(proc, 'killed'), shutdown);
  return proc.exited.finally(() => clearTimeout(timer));
}
