/**
 * The edge of the HyParView protocol: every received message is checked field by
 * field before the core sees it. Peer descriptors are full node specs validated by
 * the channel layer's validator, so nothing from the network reaches a dial
 * unchecked; the result is rebuilt from the known fields only.
 */
import type { HyParViewMessage, NeighborPriority } from './hyparview-messages.js';
import type { NodeSpec } from './node-spec.js';
import { count, parseWith, peerSpec, record, type WireParse, WireRejection } from './wire-spec.js';

/** Largest TTL accepted on a walk: far above any sane `arwl` or `shuffleTtl`. */
export const MAX_WIRE_TTL = 255;
/** Most entries a shuffle or shuffle reply may carry. */
export const MAX_SHUFFLE_ENTRIES = 256;

/**
 * Validates a HyParView message received from the network.
 * Never throws: a malformed message comes back as `{ ok: false, reason }`.
 */
export function parseHyParViewMessage(raw: unknown): WireParse<HyParViewMessage<NodeSpec>> {
  return parseWith(() => parse(raw));
}

function parse(raw: unknown): HyParViewMessage<NodeSpec> {
  const m = record(raw, 'message');
  switch (m.type) {
    case 'join':
      return { type: 'join', peer: peerSpec(m.peer, 'peer') };
    case 'forwardJoin':
      return {
        type: 'forwardJoin',
        peer: peerSpec(m.peer, 'peer'),
        ttl: count(m.ttl, 'ttl', MAX_WIRE_TTL),
      };
    case 'neighbor':
      return { type: 'neighbor', peer: peerSpec(m.peer, 'peer'), priority: priority(m.priority) };
    case 'neighborAccepted':
    case 'neighborRejected':
    case 'disconnect':
      return { type: m.type, peer: peerSpec(m.peer, 'peer') };
    case 'shuffle':
      return {
        type: 'shuffle',
        origin: peerSpec(m.origin, 'origin'),
        ttl: count(m.ttl, 'ttl', MAX_WIRE_TTL),
        id: count(m.id, 'id'),
        entries: entries(m.entries),
      };
    case 'shuffleReply':
      return {
        type: 'shuffleReply',
        peer: peerSpec(m.peer, 'peer'),
        id: count(m.id, 'id'),
        entries: entries(m.entries),
      };
    default:
      throw new WireRejection('unknown message type');
  }
}

function priority(value: unknown): NeighborPriority {
  if (value !== 'high' && value !== 'low') throw new WireRejection('priority must be high or low');
  return value;
}

function entries(value: unknown): NodeSpec[] {
  if (!Array.isArray(value)) throw new WireRejection('entries must be an array');
  if (value.length > MAX_SHUFFLE_ENTRIES) {
    throw new WireRejection(`entries must hold at most ${MAX_SHUFFLE_ENTRIES} specs`);
  }
  return value.map((entry: unknown, i) => peerSpec(entry, `entries.${i}`));
}
