/**
 * The shells' side of core-owned timers: a core names its timers with a typed key
 * (`{ type: 'shuffle' }` ...) and arms or cancels them through effects; this table
 * turns those effects into actor timers, at most one per key, and tells a live
 * firing from a stale one (cancelled or re-armed since it was sent).
 */
import type { ServerContext, TimerRef } from '../actors/index.js';

/** The info message a core timer arrives as in the shell's mailbox. */
export interface CoreTimerInfo {
  readonly type: 'coreTimer';
  readonly slot: string;
  readonly token: number;
}

/** Armed timers by key, for one actor. */
export class CoreTimers<K extends { readonly type: string }> {
  private readonly armed = new Map<string, { ref: TimerRef; token: number; key: K }>();
  private nextToken = 1;

  /** Arms `key` to fire in `delayMs`, replacing one armed under the same key. */
  set(ctx: ServerContext, key: K, delayMs: number): void {
    this.cancel(ctx, key);
    const slot = key.type;
    const token = this.nextToken++;
    const info: CoreTimerInfo = { type: 'coreTimer', slot, token };
    this.armed.set(slot, { ref: ctx.sendAfter(info, Math.max(0, delayMs)), token, key });
  }

  /** Disarms `key` if armed. */
  cancel(ctx: ServerContext, key: K): void {
    const old = this.armed.get(key.type);
    if (old === undefined) return;
    ctx.cancelTimer(old.ref);
    this.armed.delete(key.type);
  }

  /** The key of a live firing (and forgets it), or undefined for a stale one. */
  fired(info: CoreTimerInfo): K | undefined {
    const current = this.armed.get(info.slot);
    if (current === undefined || current.token !== info.token) return undefined;
    this.armed.delete(info.slot);
    return current.key;
  }

  /** Disarms everything (the actor is stopping). */
  clear(ctx: ServerContext): void {
    for (const { ref } of this.armed.values()) ctx.cancelTimer(ref);
    this.armed.clear();
  }
}
