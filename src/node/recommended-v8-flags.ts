/**
 * The V8 flags a node process is meant to run with (`node <flags> dist/cli/bin.js node
 * ...`; `deploy/Dockerfile` starts the node this way).
 *
 * The first two pin V8's young generation at 8 MiB per semi-space. By default V8 sizes it by
 * survival rate, between 1 and 32 MiB, and shrinks it again after a full or
 * memory-reducing collection, so a node's RSS steps by up to 16-30 MiB either way with
 * no change in what it holds: in the soak benchmark one node's RSS grew by 15 MiB over
 * the second half while its live heap grew by 0.3 MiB, all of it the young generation
 * growing back after a collection had shrunk it. Pinned, the young generation costs a
 * constant 16 MiB (two semi-spaces), less than the 32-64 MiB a busy node grows it to,
 * and RSS follows what the node keeps. A node allocates mostly short-lived frames and
 * envelopes, which 8 MiB semi-spaces still collect young.
 *
 * `--heap-growing-percent=30` fixes the factor by which the old generation may grow past
 * its live size before the next full collection (V8's own cap when it saves memory,
 * 1.3). V8 otherwise derives it from the measured speeds of its collector and of the
 * program, so on a loaded machine it lets the old space float higher: in one soak run
 * two nodes' old space reached 34.7 and 38.2 MiB over a live heap of 20 MiB, where it
 * otherwise stays at 30-31 MiB, and RSS rose with it. Below about 26 MiB of live old
 * generation V8's minimum step (8 MiB) is larger than 30 % anyway, so there the flag
 * removes the dependence on load rather than adding collections.
 * `--min-semi-space-size` is not allowed in `NODE_OPTIONS`, so the flags go on node's
 * command line.
 */
export const RECOMMENDED_V8_FLAGS: readonly string[] = [
  '--min-semi-space-size=8',
  '--max-semi-space-size=8',
  '--heap-growing-percent=30',
];
