import type { WireMessage } from '../broadcast/core/index.js';
import type { HyParViewMessage, PeerRef } from '../peer-service/core/index.js';

/** A peer descriptor in the simulator: the name is all a simulated node needs to dial. */
export type SimPeer = PeerRef;

/**
 * Everything that travels between overlay nodes on one {@link SimNetwork}: the
 * membership layer, the broadcast layer, the flooding baseline and the simulated
 * anti-entropy exchange share the links (and so the latencies) of one run.
 */
export type OverlayMessage =
  /** A HyParView message. */
  | { readonly layer: 'membership'; readonly msg: HyParViewMessage<SimPeer> }
  /** A Plumtree wire message. */
  | { readonly layer: 'plumtree'; readonly msg: WireMessage }
  /** The flooding baseline's only message: a payload one hop further from its origin. */
  | {
      readonly layer: 'flood';
      readonly id: string;
      readonly payload: unknown;
      readonly hops: number;
    }
  /** Exchange, first half: the requester lists the ids it holds. */
  | { readonly layer: 'pull'; readonly have: readonly string[] }
  /** Exchange, second message: the payloads the requester lacks, and the ids the responder lacks. */
  | {
      readonly layer: 'pullReply';
      readonly entries: readonly (readonly [id: string, payload: unknown])[];
      readonly want: readonly string[];
    }
  /** Exchange, last message: the payloads the responder asked for. */
  | {
      readonly layer: 'push';
      readonly entries: readonly (readonly [id: string, payload: unknown])[];
    };

/** The layer tags of {@link OverlayMessage}. */
export type OverlayLayer = OverlayMessage['layer'];
