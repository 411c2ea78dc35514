/**
 * Why a process stopped, as in OTP. `normal`, `shutdown` and `{ shutdown: _ }` are
 * the orderly exits a transient child is not restarted for; everything else is a
 * crash.
 */
export type ExitReason =
  | 'normal'
  | 'shutdown'
  | 'killed'
  | 'noproc'
  | { readonly shutdown: unknown }
  | { readonly error: unknown };

/** True for the reasons OTP treats as an orderly exit (no restart of a transient child). */
export function isNormalExit(reason: ExitReason): boolean {
  return (
    reason === 'normal' ||
    reason === 'shutdown' ||
    (typeof reason === 'object' && 'shutdown' in reason)
  );
}

/** A readable one-line rendering of a reason, for logs and error messages. */
export function formatReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if ('shutdown' in reason) return `{shutdown, ${String(reason.shutdown)}}`;
  const e = reason.error;
  return e instanceof Error ? `${e.name}: ${e.message}` : `error: ${String(e)}`;
}
