import { compareCodeUnits } from './names.js';
import { type ChannelSpec, DEFAULT_CHANNEL, type NodeSpec } from './node-spec.js';

/** The channels in force towards one peer, by name. Always holds {@link DEFAULT_CHANNEL}. */
export type ChannelTable = Readonly<Record<string, ChannelSpec>>;

/**
 * The channel a message actually travels on: its own when the table knows it, else the
 * default channel (Partisan's `channel_fallback`), so a typo or a channel only one side
 * configured degrades to ordinary delivery instead of an error.
 */
export function resolveChannel(table: ChannelTable, name: string): string {
  return Object.hasOwn(table, name) ? name : DEFAULT_CHANNEL;
}

/**
 * The channel table two nodes use between them: the channels both declare, each with
 * the smaller parallelism, so that both ends agree on how many connections a channel has
 * without a further round trip. `monotonic` is the local side's choice, since it only
 * governs what the sender may drop from its own queue.
 */
export function negotiateChannels(local: NodeSpec, remote: NodeSpec): ChannelTable {
  const out: Record<string, ChannelSpec> = {};
  const names = Object.keys(local.channels)
    .filter((name) => Object.hasOwn(remote.channels, name))
    .sort(compareCodeUnits);
  for (const name of names) {
    const mine = local.channels[name] as ChannelSpec;
    const theirs = remote.channels[name] as ChannelSpec;
    out[name] = Object.freeze({
      parallelism: Math.min(mine.parallelism, theirs.parallelism),
      monotonic: mine.monotonic,
    });
  }
  return Object.freeze(out);
}
