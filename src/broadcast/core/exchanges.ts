import type { HandlerName, NodeName } from './messages.js';

/** Identifies one exchange started by this node; assigned by the core. */
export type ExchangeRef = string;

/**
 * A running anti-entropy exchange. `handle` is whatever the handler returned in
 * `{ ok: handle }`; the shell watches it and reports `exchangeEnded` when it stops.
 */
export interface Exchange {
  readonly handler: HandlerName;
  readonly peer: NodeName;
  readonly ref: ExchangeRef;
  readonly handle: unknown;
}

/** Which exchanges `cancelExchanges` stops. */
export type ExchangeSelector =
  | 'all'
  | { readonly peer: NodeName }
  | { readonly handler: HandlerName }
  | { readonly handle: unknown }
  | ExchangeRef;

/** Whether `exchange` is picked by `selector`. */
export function selectsExchange(selector: ExchangeSelector, exchange: Exchange): boolean {
  if (selector === 'all') return true;
  if (typeof selector === 'string') return exchange.ref === selector;
  if ('peer' in selector) return exchange.peer === selector.peer;
  if ('handler' in selector) return exchange.handler === selector.handler;
  return exchange.handle === selector.handle;
}
