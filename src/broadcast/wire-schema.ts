/**
 * Checks broadcast-server messages from the network before the core sees them: the
 * channel layer guarantees plain data, not that it is a well-formed Plumtree message.
 */
import type { Announcement, WireMessage } from './core/index.js';

/** At most this many announcements in one `i_have` (the core batches far fewer). */
export const MAX_IHAVE_ENTRIES = 65_536;

/** The reason a message was refused. */
export class WireMessageError extends Error {
  override readonly name = 'WireMessageError';
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0)
    throw new WireMessageError(`${k} must be a non-empty string`);
  return v;
}

function round(o: Obj): number {
  const v = o.round;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new WireMessageError('round must be an integer >= 0');
  return v;
}

function id(o: Obj): unknown {
  if (!('id' in o) || o.id === undefined) throw new WireMessageError('id is missing');
  return o.id;
}

function announcement(o: Obj): Announcement {
  return { id: id(o), handler: str(o, 'handler'), round: round(o), root: str(o, 'root') };
}

function entries(x: Obj): Announcement[] {
  const list = x.entries;
  if (!Array.isArray(list) || list.length > MAX_IHAVE_ENTRIES) {
    throw new WireMessageError(`entries must be an array of at most ${MAX_IHAVE_ENTRIES}`);
  }
  return list.map((e) => {
    if (!isObj(e)) throw new WireMessageError('each entry must be an object');
    return announcement(e);
  });
}

/** The message if it is a well-formed {@link WireMessage}; throws {@link WireMessageError} saying what is wrong. */
export function parseWireMessage(x: unknown): WireMessage {
  if (!isObj(x)) throw new WireMessageError('message must be an object');
  const from = str(x, 'from');
  switch (x.type) {
    case 'broadcast': {
      const seed = x.seed === undefined ? undefined : str(x, 'seed');
      return {
        type: 'broadcast',
        ...announcement(x),
        payload: x.payload,
        from,
        ...(seed === undefined ? {} : { seed }),
      };
    }
    case 'prune':
      return { type: 'prune', root: str(x, 'root'), from };
    case 'i_have':
      return { type: 'i_have', entries: entries(x), from };
    case 'ignored_i_have':
      // A peer that acknowledges one announcement per message sends it unbatched.
      return {
        type: 'ignored_i_have',
        entries: x.entries === undefined ? [announcement(x)] : entries(x),
        from,
      };
    case 'graft': {
      const linkOnly = x.linkOnly ?? false;
      if (typeof linkOnly !== 'boolean') throw new WireMessageError('linkOnly must be a boolean');
      return { type: 'graft', ...announcement(x), from, linkOnly };
    }
    default:
      throw new WireMessageError(`unknown message type ${JSON.stringify(x.type)}`);
  }
}
