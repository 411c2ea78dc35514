/**
 * Waiting until a write is held by enough replicas before it is acknowledged. A write
 * acknowledged by one node only is lost for good if that node dies before its
 * broadcast gets out (a replacement under a new name starts empty), so by default a
 * write waits until one more node holds it durably. The local write and its broadcast
 * happen first; this only decides when (and whether) the caller hears "done".
 */
import { InvalidMetadataOptionError } from './errors.js';

/** How many replicas (this node included) a write needs: a count, or `'auto'`. */
export type WriteQuorum = number | 'auto';

/** The default {@link WriteQuorum}: `min(2, 1 + reachable peers)`. */
export const DEFAULT_WRITE_QUORUM: WriteQuorum = 'auto';
/** How long a write waits for its replicas before it fails, ms. */
export const DEFAULT_WRITE_TIMEOUT_MS = 5_000;

/**
 * Why a write did not reach its quorum: too few peers reachable (or every one tried
 * failed), or no answer before the deadline.
 */
export type QuorumFailure = 'unreachable' | 'timeout';

/** How the wait for a write's replicas ended; `replicas` names the nodes holding it. */
export type QuorumOutcome =
  | { readonly kind: 'local'; readonly replicas: readonly string[] }
  | { readonly kind: 'met'; readonly replicas: readonly string[] }
  | {
      readonly kind: 'failed';
      readonly reason: QuorumFailure;
      readonly needed: number;
      readonly replicas: readonly string[];
      readonly detail: string;
    };

/** Checks a quorum given as an option or per write. */
export function checkWriteQuorum(option: string, w: unknown): WriteQuorum {
  if (w === 'auto' || (typeof w === 'number' && Number.isSafeInteger(w) && w >= 1)) return w;
  throw new InvalidMetadataOptionError(option, w, "an integer >= 1 or 'auto'");
}

/**
 * The replicas a write needs, this node included: `'auto'` is two when any peer is
 * reachable and one otherwise (a single node, or one cut off from every peer, still
 * takes writes), a number is exactly that.
 */
export function replicasNeeded(w: WriteQuorum, reachablePeers: number): number {
  return w === 'auto' ? Math.min(2, 1 + reachablePeers) : w;
}

/** What {@link awaitQuorum} needs. */
export interface QuorumArgs {
  readonly self: string;
  /** Replicas needed, this node included (see {@link replicasNeeded}). */
  readonly needed: number;
  /** Peers to push to, in the order to try them (this node excluded). */
  readonly candidates: readonly string[];
  readonly timeoutMs: number;
  readonly now: () => number;
  /** Resolves once `peer` holds the write durably; rejects on failure or timeout. */
  push(peer: string, timeoutMs: number): Promise<void>;
}

/**
 * Pushes the write to `needed - 1` candidates at once; a candidate that fails is
 * replaced by the next one, until enough hold it, the candidates run out, or the
 * deadline passes. Never rejects.
 */
export async function awaitQuorum(args: QuorumArgs): Promise<QuorumOutcome> {
  const { self, needed, candidates } = args;
  const held: string[] = [self];
  if (needed <= 1) return { kind: 'local', replicas: held };
  if (candidates.length + 1 < needed) {
    const detail = `${candidates.length} peer(s) reachable, ${needed - 1} needed`;
    return { kind: 'failed', reason: 'unreachable', needed, replicas: held, detail };
  }
  const deadline = args.now() + args.timeoutMs;
  const errors: string[] = [];
  let next = 0;
  let timedOut = false;
  return new Promise((resolve) => {
    let inFlight = 0;
    let settled = false;
    const finish = (outcome: QuorumOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const failed = () => {
      const reason: QuorumFailure = timedOut ? 'timeout' : 'unreachable';
      const tried = errors.length === 0 ? '' : `: ${errors.join('; ')}`;
      const detail = `${reason === 'timeout' ? 'no answer in time' : 'no more peers to try'}${tried}`;
      finish({ kind: 'failed', reason, needed, replicas: [...held], detail });
    };
    const launch = () => {
      while (!settled && inFlight < needed - held.length && next < candidates.length) {
        const left = deadline - args.now();
        if (left <= 0) {
          timedOut = true;
          break;
        }
        const peer = candidates[next++] as string;
        inFlight++;
        args.push(peer, left).then(
          () => {
            inFlight--;
            held.push(peer);
            if (held.length >= needed) finish({ kind: 'met', replicas: [...held] });
            else launch();
          },
          (error: unknown) => {
            inFlight--;
            if (args.now() >= deadline) timedOut = true;
            errors.push(`${peer}: ${error instanceof Error ? error.message : String(error)}`);
            launch();
          },
        );
      }
      if (!settled && inFlight === 0 && held.length < needed) failed();
    };
    launch();
  });
}
