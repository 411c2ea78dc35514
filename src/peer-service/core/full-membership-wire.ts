/**
 * The edge of the full-membership protocol: every received message is checked
 * before the core sees it. States are parsed by the lattice's own decoder, and
 * every live member's spec goes through the channel layer's validator, so a
 * gossiped spec that could not be dialled (or smuggles extra fields) never reaches
 * the core, nor a dial.
 */
import type { MembershipMessage } from './full-membership-messages.js';
import { aliveEntry, fromData, type MembershipStateData, toData } from './membership-crdt.js';
import { count, parseWith, peerSpec, record, type WireParse, WireRejection } from './wire-spec.js';

/**
 * Validates a full-membership message received from the network.
 * Never throws: a malformed message comes back as `{ ok: false, reason }`.
 */
export function parseMembershipMessage(raw: unknown): WireParse<MembershipMessage> {
  return parseWith(() => parse(raw));
}

function parse(raw: unknown): MembershipMessage {
  const m = record(raw, 'message');
  switch (m.type) {
    case 'joinRequest':
      return {
        type: 'joinRequest',
        epoch: count(m.epoch, 'epoch'),
        incarnation: count(m.incarnation, 'incarnation'),
        spec: peerSpec(m.spec, 'spec'),
      };
    case 'joinReply':
    case 'gossip':
      return { type: m.type, state: membershipState(m.state) };
    default:
      throw new WireRejection('unknown message type');
  }
}

/** A membership state, decoded and re-encoded so that only known fields survive. */
function membershipState(value: unknown): MembershipStateData {
  let crdt: ReturnType<typeof fromData>;
  try {
    crdt = fromData(value);
  } catch (error) {
    throw new WireRejection(`state: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const [name, entry] of crdt.entries) {
    if (entry.kind !== 'alive') continue;
    const spec = peerSpec(entry.spec, `state spec of ${name}`);
    crdt.entries.set(name, aliveEntry(spec, entry.epoch, entry.incarnation));
  }
  return toData(crdt);
}
