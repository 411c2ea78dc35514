/**
 * Answers a peer's anti-entropy requests for the metadata store. Registered as
 * `metadata@<node>`, so a peer's exchange reaches it with a remote call over the
 * channels.
 */
import type { GenServer } from '../actors/index.js';
import type { ExchangeRequest } from '../handlers/metadata/exchange.js';
import type { MetadataStore } from '../handlers/metadata/metadata-api.js';

/** The registered name of the metadata RPC server of `node`. */
export function metadataRpcName(node: string): string {
  return `metadata@${node}`;
}

/** The RPC server's behaviour; its state is the store. */
export const metadataRpcBehaviour: GenServer<
  MetadataStore,
  MetadataStore,
  ExchangeRequest,
  unknown
> = {
  init: (store) => store,
  async handleCall(request, _from, store) {
    try {
      return { reply: { ok: await store.handleExchangeRequest(request) }, state: store };
    } catch (error) {
      // A malformed or failed request is answered, not a crash: the asking node's exchange fails.
      return {
        reply: { error: error instanceof Error ? error.message : String(error) },
        state: store,
      };
    }
  },
};
