/**
 * The runtime's view of every process it started: status, exit reason, registered
 * name, monitors on it, timers it owns and calls waiting on it. nact knows none of
 * this, so the runtime keeps it beside nact, keyed by the nact reference.
 */
import { Envelope } from './envelope.js';
import type { ExitReason } from './exit-reason.js';
import type { Mailbox } from './mailbox.js';
import { type ActorRef, dispatch, stopRaw } from './nact.js';

/** The message a watcher receives (as an info message) when a monitored process stops. */
export interface DownMessage {
  readonly type: 'DOWN';
  readonly ref: MonitorRef;
  /** The monitored process, as it was given to `monitor` (a reference or a name). */
  readonly target: ActorRef | string;
  readonly reason: ExitReason;
}

/** Identifies one monitor; pass it to `demonitor`. */
export interface MonitorRef {
  readonly id: number;
}

/** Something waiting for a call's reply; rejected if the target dies first. */
export interface PendingCall {
  abandon(reason: ExitReason): void;
}

/** @internal */
export interface Watch {
  readonly ref: MonitorRef;
  readonly target: ActorRef | string;
  /** The watching process, or undefined for a callback installed by runtime code. */
  readonly watcher: Proc | undefined;
  readonly notify: (down: DownMessage) => void;
  /** The watched process, to undo the watch when the watcher dies first. */
  readonly on: Proc;
}

/** @internal The runtime record of one process. */
export class Proc {
  status: 'starting' | 'running' | 'dead' = 'starting';
  parent: ActorRef | undefined;
  exitReason: ExitReason | undefined;
  registeredName: string | undefined;
  readonly watchers = new Map<number, Watch>();
  readonly watching = new Map<number, Watch>();
  /** Pending `sendAfter` timers: id → cancel. */
  readonly timers = new Map<number, () => void>();
  readonly pendingCalls = new Set<PendingCall>();
  /** The runtime's queue in front of nact's, for a server process (see `mailbox.ts`). */
  mailbox: Mailbox | undefined;
  readonly started: Promise<void>;
  readonly exited: Promise<ExitReason>;
  resolveStarted!: () => void;
  rejectStarted!: (e: unknown) => void;
  private resolveExited!: (r: ExitReason) => void;

  constructor(
    readonly ref: ActorRef,
    readonly label: string,
  ) {
    this.started = new Promise<void>((res, rej) => {
      this.resolveStarted = res;
      this.rejectStarted = rej;
    });
    // A start failure is reported to whoever awaits `started`; nobody awaiting it is fine.
    this.started.catch(() => {});
    this.exited = new Promise((res) => {
      this.resolveExited = res;
    });
  }

  /** For error messages: the registered name if any, else the actor's label. */
  describe(): string {
    return this.registeredName ?? this.label;
  }

  /** @internal */
  markExited(reason: ExitReason): void {
    this.resolveExited(reason);
  }
}

const table = new WeakMap<object, Proc>();
/** Processes by the reference of their nact parent (a process or a system). */
const childrenOf = new WeakMap<object, Set<Proc>>();
const names = new Map<string, Proc>();
let nextId = 1;

/** @internal A fresh id for monitors and timers. */
export function freshId(): number {
  return nextId++;
}

/** @internal */
export function addProc(proc: Proc, parent: ActorRef): void {
  table.set(proc.ref, proc);
  proc.parent = parent;
  let kids = childrenOf.get(parent);
  if (!kids) {
    kids = new Set();
    childrenOf.set(parent, kids);
  }
  kids.add(proc);
}

/**
 * @internal Records every process under `ref` as killed, deepest first, at once. nact
 * stops children along with their parent but reports it a macrotask later; until
 * then their names would still be bound and their timers armed.
 */
export function killDescendants(ref: ActorRef): void {
  const kids = childrenOf.get(ref);
  if (!kids) return;
  for (const child of [...kids]) exitProc(child, 'killed');
}

/** @internal The record of a reference the runtime started, if any. */
export function procOf(ref: ActorRef): Proc | undefined {
  return table.get(ref);
}

/** @internal The live process a name is bound to. */
export function procNamed(name: string): Proc | undefined {
  return names.get(name);
}

/** @internal Binds a name, or returns the live process that already holds it. */
export function bindName(name: string, proc: Proc): Proc | undefined {
  const holder = names.get(name);
  if (holder && holder !== proc && holder.status !== 'dead') return holder;
  names.set(name, proc);
  proc.registeredName = name;
  return undefined;
}

/** @internal Frees a name if `proc` still holds it. */
export function releaseName(name: string, proc: Proc): void {
  if (names.get(name) === proc) names.delete(name);
  if (proc.registeredName === name) proc.registeredName = undefined;
}

/** @internal Every currently bound name. */
export function boundNames(): string[] {
  return [...names.keys()];
}

/**
 * @internal Puts `msg` in a process's mailbox: the runtime's own queue when it has
 * one, else nact's. A dead process's message is dropped (nact drops them too).
 */
export function deliver(proc: Proc, msg: unknown): void {
  if (proc.mailbox === undefined) dispatch(proc.ref, msg);
  else if (proc.status !== 'dead') proc.mailbox.push(msg);
}

/** @internal Delivers an info message to a process's mailbox. */
export function deliverInfo(proc: Proc, msg: unknown): void {
  deliver(proc, new Envelope('info', msg));
}

/**
 * @internal Records the exit and tells everyone who cares: the name is freed, timers
 * die with their owner, waiting callers are released, watchers get DOWN, and the
 * process's own monitors are dropped. Idempotent: only the first reason counts.
 */
export function exitProc(proc: Proc, reason: ExitReason): void {
  if (proc.status === 'dead') return;
  const wasStarting = proc.status === 'starting';
  proc.status = 'dead';
  proc.exitReason = reason;
  if (proc.registeredName !== undefined) releaseName(proc.registeredName, proc);
  for (const cancel of proc.timers.values()) cancel();
  proc.timers.clear();
  for (const pending of proc.pendingCalls) pending.abandon(reason);
  proc.pendingCalls.clear();
  for (const w of proc.watching.values()) w.on.watchers.delete(w.ref.id);
  proc.watching.clear();
  const watchers = [...proc.watchers.values()];
  proc.watchers.clear();
  for (const w of watchers) {
    w.watcher?.watching.delete(w.ref.id);
    w.notify({ type: 'DOWN', ref: w.ref, target: w.target, reason });
  }
  if (wasStarting) proc.rejectStarted(reasonAsError(reason));
  if (proc.parent) childrenOf.get(proc.parent)?.delete(proc);
  killDescendants(proc.ref);
  proc.markExited(reason);
  proc.mailbox?.clear();
  stopRaw(proc.ref);
}

function reasonAsError(reason: ExitReason): unknown {
  if (typeof reason === 'object' && 'error' in reason) return reason.error;
  return new Error(`process exited during start: ${String(reason)}`);
}
