/**
 * Discovery: a gen_server that resolves `dns:` and `srv:` seeds and joins what it
 * finds. At start it tries until some address answers (backing off up to the
 * interval); afterwards it resolves again every interval and joins while the node
 * has fewer peers than it wants. Its own address, which a headless Service lists
 * too, is skipped.
 */
import type { GenServer, ServerContext } from '../actors/index.js';
import type { Logger } from '../log/logger.js';
import type { Rng } from '../util/rng.js';
import { randomInt } from '../util/rng.js';
import type { PeerService } from './peer-service.js';
import { type DnsLookup, resolveSeeds, type Seed } from './seed-resolver.js';
import type { HostPort } from './transport.js';

/** Arguments of the discovery actor. */
export interface DiscoveryArgs {
  readonly seeds: readonly Seed[];
  readonly dns: DnsLookup;
  readonly peerService: PeerService;
  /** The port a `dns:NAME` seed without a port stands for (this node's own). */
  readonly defaultPort: number;
  /**
   * Whether the node wants more peers, given how many addresses discovery found
   * (self possibly among them) and how many peers it has.
   */
  readonly wantsMore: (discovered: number, peers: number) => boolean;
  readonly intervalMs: number;
  readonly rng: Rng;
  readonly logger: Logger;
}

interface State {
  readonly args: DiscoveryArgs;
  /** Until the first successful join: retry fast. */
  settled: boolean;
  delayMs: number;
}

type Info = { readonly type: 'discover' };

const FIRST_DELAY_MS = 100;

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function tryJoin(state: State, addrs: readonly HostPort[]): Promise<boolean> {
  const { peerService, logger, rng } = state.args;
  for (const addr of shuffled(rng, addrs)) {
    try {
      await peerService.join(addr);
      logger.info('joined through a discovered address', { seed: `${addr.host}:${addr.port}` });
      return true;
    } catch (error) {
      // Our own record, or a peer not up yet: try the next one.
      if (!(error instanceof Error && error.name === 'SelfJoinError'))
        logger.debug('discovered address did not answer', {
          seed: `${addr.host}:${addr.port}`,
          error,
        });
    }
  }
  return false;
}

async function discover(state: State): Promise<void> {
  const { args } = state;
  const addrs = await resolveSeeds(args.seeds, args.dns, args.defaultPort, (seed, error) =>
    args.logger.warn('seed lookup failed; retried', { seed, error }),
  );
  const peers = args.peerService.lastMembers().length - 1;
  if (addrs.length === 0 || !args.wantsMore(addrs.length, peers)) {
    if (peers > 0) state.settled = true;
    return;
  }
  if (await tryJoin(state, addrs)) state.settled = true;
}

/** The discovery actor's behaviour. */
export const discoveryBehaviour: GenServer<DiscoveryArgs, State, never, unknown, never, Info> = {
  init(args, ctx: ServerContext) {
    ctx.sendAfter({ type: 'discover' }, 0);
    return { args, settled: false, delayMs: FIRST_DELAY_MS };
  },
  async handleInfo(msg, state, ctx) {
    if (msg.type !== 'discover') return state;
    try {
      await discover(state);
    } catch (error) {
      state.args.logger.warn('discovery round failed', { error });
    }
    const interval = state.args.intervalMs;
    if (state.settled) state.delayMs = interval;
    else state.delayMs = Math.min(interval, state.delayMs * 2);
    ctx.sendAfter({ type: 'discover' }, state.delayMs);
    return state;
  },
};
