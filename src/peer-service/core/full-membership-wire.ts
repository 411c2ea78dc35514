/**
 * The edge of the full-membership protocol: every received message is checked
 * before the core sees it. States are parsed by the lattice's own decoder, and
 * every live member's spec goes through the channel layer's validator, so a
 * gossiped spec that could not be dialled (or smuggles extra fields) never reaches
 * the core, nor a dial.
 */
import type { MembershipMessage } from './full-membership-messages.js';
import {
  fromData,
  type MembershipCrdt,
  type MembershipStateData,
  toData,
} from './membership-crdt.js';
import { canonicalSpec } from './node-spec.js';
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

/**
 * Canonical forms of specs already accepted. Gossip repeats the whole membership on
 * every change, so the same specs arrive again and again; validating each once keeps
 * the edge check from multiplying the cost of a gossip storm. A memo of a pure check,
 * bounded by clearing it when full.
 */
const accepted = new Set<string>();
const ACCEPTED_BOUND = 10_000;

/**
 * The lattice each parsed state decoded to, handed over once to the core (see
 * {@link takeDecoded}) so that a state is decoded once per receipt, not twice.
 */
const decoded = new WeakMap<MembershipStateData, MembershipCrdt>();

/**
 * The lattice `data` was decoded to by {@link parseMembershipMessage}, if it came from
 * there and was not taken yet (the caller then owns it and may mutate it); else
 * undefined, and the caller decodes `data` itself.
 */
export function takeDecoded(data: MembershipStateData): MembershipCrdt | undefined {
  const crdt = decoded.get(data);
  if (crdt !== undefined) decoded.delete(data);
  return crdt;
}

/**
 * A membership state, structurally decoded by the lattice's own decoder, with every
 * live member's spec validated. The spec must already be in the validator's
 * normal form (every node's own spec is), so the core decodes exactly what was
 * checked; the plain data the core receives is re-encoded from the decoded lattice.
 */
function membershipState(value: unknown): MembershipStateData {
  let crdt: ReturnType<typeof fromData>;
  try {
    crdt = fromData(value);
  } catch (error) {
    throw new WireRejection(`state: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const [name, entry] of crdt.entries) {
    if (entry.kind !== 'alive' || accepted.has(entry.specKey)) continue;
    const spec = peerSpec(entry.spec, `state spec of ${name}`);
    if (canonicalSpec(spec) !== entry.specKey) {
      throw new WireRejection(`state spec of ${name}: not in normal form`);
    }
    if (accepted.size >= ACCEPTED_BOUND) accepted.clear();
    accepted.add(entry.specKey);
  }
  const data = toData(crdt);
  decoded.set(data, crdt);
  return data;
}
