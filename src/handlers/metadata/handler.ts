/**
 * The `metadata` broadcast handler: what the Plumtree broadcast server asks of the
 * metadata store. Ids carry the clock, so `isStale` and `graft` are answered from
 * clocks, and no set of seen message ids has to grow forever.
 */
import type { BroadcastHandler, ExchangeAnswer, GraftAnswer } from '../../broadcast/handler.js';
import {
  type MetadataBroadcast,
  type MetadataId,
  parseMetadataBroadcast,
  parseMetadataId,
} from './broadcast-messages.js';
import type { MetadataStore } from './metadata-api.js';

/** The handler's name; the same on every node. */
export const METADATA_HANDLER_NAME = 'metadata';

/** Options of {@link createMetadataHandler}. */
export interface MetadataHandlerOptions {
  /** The channel the handler's messages travel on (the default channel if unset). */
  readonly channel?: string;
}

/** The broadcast handler over a store. */
export function createMetadataHandler(
  store: MetadataStore,
  options: MetadataHandlerOptions = {},
): BroadcastHandler<MetadataBroadcast, MetadataId, MetadataBroadcast> {
  const handler: BroadcastHandler<MetadataBroadcast, MetadataId, MetadataBroadcast> = {
    name: METADATA_HANDLER_NAME,
    broadcastData(message) {
      return {
        id: { prefix: message.prefix, key: message.key, clock: message.object.clock },
        payload: message,
      };
    },
    merge(_id, payload) {
      // The payload carries its own clock; the id is only its summary.
      const message = parseMetadataBroadcast(payload);
      return store.mergeRemote(message.prefix, message.key, message.object);
    },
    isStale(id) {
      return store.isStale(parseMetadataId(id));
    },
    graft(id): Promise<GraftAnswer<MetadataBroadcast>> {
      return store.graft(parseMetadataId(id));
    },
    exchange(peer): ExchangeAnswer {
      return { ok: store.exchange(peer) };
    },
  };
  const channel = options.channel;
  if (channel !== undefined) handler.broadcastChannel = () => channel;
  return handler;
}
