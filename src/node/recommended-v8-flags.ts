/**
 * The V8 flags a node process is meant to run with (`node <flags> dist/cli/bin.js node
 * ...`; `deploy/Dockerfile` starts the node this way).
 *
 * They pin V8's young generation at 8 MiB per semi-space. By default V8 sizes it by
 * survival rate, between 1 and 32 MiB, and shrinks it again after a full or
 * memory-reducing collection, so a node's RSS steps by up to 16-30 MiB either way with
 * no change in what it holds: in the soak benchmark one node's RSS grew by 15 MiB over
 * the second half while its live heap grew by 0.3 MiB, all of it the young generation
 * growing back after a collection had shrunk it. Pinned, the young generation costs a
 * constant 16 MiB (two semi-spaces), less than the 32-64 MiB a busy node grows it to,
 * and RSS follows what the node keeps. A node allocates mostly short-lived frames and
 * envelopes, which 8 MiB semi-spaces still collect young. `--min-semi-space-size` is
 * not allowed in `NODE_OPTIONS`, so the flags go on node's command line.
 */
export const RECOMMENDED_V8_FLAGS: readonly string[] = [
  '--min-semi-space-size=8',
  '--max-semi-space-size=8',
];
