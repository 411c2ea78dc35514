import { type MessageKeyFn, messageKey } from '../broadcast/core/index.js';

/**
 * The core's {@link messageKey}, with the keys of string ids built once per run
 * and shared by every simulated node: each core keeps thousands of keys (recent
 * deliveries, announcements owed), and built per call each node held its own
 * copy of every string, and the simulator spent its time building them. Same
 * keys as `messageKey`, so runs are unchanged.
 */
export function internedMessageKey(): MessageKeyFn {
  const byHandler = new Map<string, Map<string, string>>();
  return (handler, id) => {
    if (typeof id !== 'string') return messageKey(handler, id);
    let keys = byHandler.get(handler);
    if (keys === undefined) {
      keys = new Map();
      byHandler.set(handler, keys);
    }
    let key = keys.get(id);
    if (key === undefined) {
      key = messageKey(handler, id);
      keys.set(id, key);
    }
    return key;
  };
}
