/**
 * The initiator's side of an anti-entropy exchange as I/O: asks the pure protocol for
 * the next request, makes the call (with a timeout, and racing cancellation), and
 * hands the effects back to the store. Never rejects: `done` says how it ended.
 */
import { ExchangeFailedError } from './errors.js';
import {
  type ExchangeCounters,
  type ExchangeEffect,
  type ExchangeLimits,
  type ExchangeRequest,
  type ExchangeResponse,
  type ExchangeView,
  nextRequest,
  onResponse,
  startInitiator,
} from './exchange.js';

/**
 * Remote calls for exchanges; the node wires it to calls over channels, which end in
 * the peer's {@link MetadataStore.handleExchangeRequest}. Rejects on timeout or when
 * the peer cannot be reached.
 */
export interface ExchangeRpc {
  call(peer: string, request: ExchangeRequest, timeoutMs: number): Promise<ExchangeResponse>;
}

/** How an exchange ended, from the initiator's side. */
export interface ExchangeSummary extends ExchangeCounters {
  readonly peer: string;
  readonly outcome: 'completed' | 'cancelled' | 'failed';
  readonly error?: unknown;
}

/** A running exchange: the broadcast server's handle plus the typed result. */
export interface MetadataExchange {
  readonly done: Promise<ExchangeSummary>;
  cancel(): void;
}

/** What the driver needs of the store. */
export interface ExchangeDriverContext {
  readonly self: string;
  readonly limits: ExchangeLimits;
  readonly view: ExchangeView;
  readonly rpc: ExchangeRpc;
  readonly timeoutMs: number;
  /** Throws when the store is closed or failed. */
  checkOpen(): void;
  /** Resolves once everything in memory is on disk. */
  durable(): Promise<void>;
  applyEffects(effects: readonly ExchangeEffect[]): Promise<void>;
  /** Runs after an exchange completed (tombstone collection). */
  afterCompleted(): Promise<void>;
  onError(error: unknown): void;
}

/**
 * Starts anti-entropy with `peer`: compares hash trees prefix by prefix and repairs
 * both sides, a bounded number of segments per round.
 */
export function runExchange(ctx: ExchangeDriverContext, peer: string): MetadataExchange {
  let cancelled = false;
  let wake: () => void = () => undefined;
  const cancelledSignal = new Promise<'cancelled'>((resolve) => {
    wake = () => resolve('cancelled');
  });
  let state = startInitiator(ctx.self, peer, ctx.limits);
  const summary = (outcome: ExchangeSummary['outcome'], error?: unknown): ExchangeSummary => ({
    ...state.counters,
    peer,
    outcome,
    ...(error !== undefined ? { error } : {}),
  });
  const run = async (): Promise<ExchangeSummary> => {
    // Let `exchange` return before any work, so a handle always exists to cancel.
    await Promise.resolve();
    try {
      ctx.checkOpen();
      for (;;) {
        if (cancelled) return summary('cancelled');
        const next = nextRequest(state, ctx.view);
        if (next === undefined) break;
        state = next.state;
        // The peer may record what it sees as held here; make sure it is.
        await ctx.durable();
        const reply = await Promise.race([
          ctx.rpc.call(peer, next.request, ctx.timeoutMs),
          cancelledSignal,
        ]);
        if (reply === 'cancelled' || cancelled) return summary('cancelled');
        const step = onResponse(state, ctx.view, next.task, reply);
        state = step.state;
        await ctx.applyEffects(step.effects);
      }
      await ctx.afterCompleted();
      return summary('completed');
    } catch (error) {
      const failure =
        error instanceof ExchangeFailedError
          ? error
          : new ExchangeFailedError(peer, error instanceof Error ? error.message : String(error), {
              cause: error,
            });
      ctx.onError(failure);
      return summary('failed', failure);
    }
  };
  const handle: MetadataExchange = {
    done: run(),
    cancel: () => {
      cancelled = true;
      wake();
    },
  };
  return handle;
}
