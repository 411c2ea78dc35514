/**
 * The peer service's event manager (Partisan's partisan_peer_service_events): the
 * manager casts to it and moves on, and it runs the listeners, so a slow or faulty
 * listener never blocks or crashes the manager.
 */
import type { GenServer } from '../actors/index.js';
import type { Logger } from '../log/logger.js';
import type { Subscribers } from './subscribers.js';

/** What the manager publishes. */
export type PeerServiceEvent =
  | { readonly type: 'membership'; readonly members: readonly string[] }
  | { readonly type: 'up' | 'down'; readonly peer: string }
  /** A member was removed because every channel to it was down for `downForMs`. */
  | { readonly type: 'reaped'; readonly peer: string; readonly downForMs: number }
  /** Send the last membership to the subscription under `key` (a new subscriber). */
  | { readonly type: 'replay'; readonly key: unknown };

/** Arguments of the events actor. */
export interface EventsArgs {
  readonly subscribers: Subscribers;
  readonly logger: Logger;
}

function runListener(logger: Logger, what: string, f: () => void | Promise<void>): void {
  try {
    const r = f();
    if (r instanceof Promise)
      r.catch((error: unknown) => logger.warn(`${what} listener failed`, { error }));
  } catch (error) {
    logger.warn(`${what} listener failed`, { error });
  }
}

/** The events actor's behaviour. */
export const eventsBehaviour: GenServer<EventsArgs, EventsArgs, never, unknown, PeerServiceEvent> =
  {
    init: (args) => args,
    handleCast(event, state) {
      const { subscribers, logger } = state;
      switch (event.type) {
        case 'membership':
          subscribers.lastMembers = event.members;
          for (const fn of [...subscribers.membership.values()])
            runListener(logger, 'membership', () => fn(event.members));
          break;
        case 'up':
        case 'down':
          for (const fn of subscribers.peerListeners(event.type, event.peer)) {
            runListener(logger, event.type, () => fn(event.peer));
          }
          break;
        case 'reaped':
          for (const fn of [...subscribers.reaped]) {
            runListener(logger, 'reaped', () => fn(event.peer, event.downForMs));
          }
          break;
        case 'replay': {
          const fn = subscribers.membership.get(event.key);
          const members = subscribers.lastMembers;
          if (fn && members) runListener(logger, 'membership', () => fn(members));
          break;
        }
        default: {
          const never: never = event;
          logger.warn('unknown peer-service event dropped', { event: never });
        }
      }
      return state;
    },
  };
