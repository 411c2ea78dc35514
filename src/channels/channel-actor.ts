import {
  type ActorRef,
  type ExitReason,
  type GenServer,
  isNormalExit,
  onExit,
  spawnServer,
} from '../actors/index.js';
import { CloseCode } from './close-codes.js';
import type { ChannelHub } from './hub.js';
import { type LinkMessage, PeerLink } from './peer-link.js';

/** Start arguments of a channel actor. */
export interface ChannelActorArgs {
  readonly hub: ChannelHub;
  readonly peer: string;
}

/** Calls a channel actor answers. */
export type ChannelCall = { readonly type: 'disconnect' };

const LINK_MESSAGES: ReadonlySet<unknown> = new Set([
  'adopt',
  'closed',
  'dialed',
  'redial',
  'fill',
]);

function isLinkMessage(msg: unknown): msg is LinkMessage {
  return (
    typeof msg === 'object' && msg !== null && LINK_MESSAGES.has((msg as { type?: unknown }).type)
  );
}

/**
 * The channel actor of one peer: a gen_server whose state is the peer's {@link PeerLink}.
 * Connections, dials, closes and reconnect timers reach it as messages and are handled
 * one at a time; its supervisor restarts it after a crash, and the new instance dials
 * the peer again from the last spec it presented. Whatever way it stops, its sockets
 * are closed (by `terminate`, or at once if it is killed).
 */
export const channelActor: GenServer<
  ChannelActorArgs,
  PeerLink,
  ChannelCall,
  boolean,
  LinkMessage,
  LinkMessage
> = {
  init({ hub, peer }, ctx) {
    const spec = hub.knownSpecs.get(peer);
    if (spec === undefined) throw new Error(`no spec known for peer ${peer}`);
    const link = new PeerLink(hub, peer, spec, ctx);
    hub.links.set(peer, link);
    // like a port linked to its process: the sockets go when the actor goes, however
    onExit(ctx.self, () => {
      if (hub.links.get(peer) === link) hub.links.delete(peer);
      link.abandon();
    });
    if (!hub.consumeAdoptIntent(peer)) link.dialSession();
    return link;
  },

  handleCast(msg, link) {
    link.handle(msg);
    return link;
  },

  handleInfo(msg, link) {
    if (isLinkMessage(msg)) link.handle(msg);
    return link;
  },

  async handleCall(msg, _from, link, ctx) {
    switch (msg.type) {
      case 'disconnect':
        await link.shutdown(CloseCode.Normal, 'disconnected');
        ctx.stop('normal');
        return { reply: true, state: link };
    }
  },

  async terminate(reason: ExitReason, link) {
    await link.shutdown(
      isNormalExit(reason) ? CloseCode.GoingAway : CloseCode.InternalError,
      isNormalExit(reason) ? 'node stopping' : 'channel actor crashed',
    );
  },
};

/** Starts the channel actor for `peer` under `parent` (the channel supervisor). */
export function spawnChannelActor(parent: ActorRef, hub: ChannelHub, peer: string): ActorRef {
  return spawnServer(parent, channelActor, { hub, peer }, { name: hub.channelName(peer) });
}
