import { type ExitReason, formatReason } from './exit-reason.js';

/** The target of a call is not running (never started, stopped, or an unknown name). */
export class NoProcError extends Error {
  override readonly name = 'NoProcError';
  constructor(readonly target: string) {
    super(`no process: ${target} is not running`);
  }
}

/** A call got no reply within its timeout; a reply that comes later is dropped. */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`call to ${target} timed out after ${timeoutMs} ms`);
  }
}

/** The target stopped while a call to it was waiting for its reply. */
export class CallExitError extends Error {
  override readonly name = 'CallExitError';
  constructor(
    readonly target: string,
    readonly reason: ExitReason,
  ) {
    super(`${target} exited before replying: ${formatReason(reason)}`);
  }
}

/** A name is already bound to a live process. */
export class AlreadyRegisteredError extends Error {
  override readonly name = 'AlreadyRegisteredError';
  constructor(readonly registeredName: string) {
    super(`name already registered to a live process: ${registeredName}`);
  }
}

/** A server was asked for a callback it does not define (a call without `handleCall`). */
export class UndefinedCallbackError extends Error {
  override readonly name = 'UndefinedCallbackError';
  constructor(
    readonly callback: string,
    readonly server: string,
  ) {
    super(`${server} has no ${callback} callback`);
  }
}
