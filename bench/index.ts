/**
 * `npm run bench -- <name> [--json] [--option value ...]`: runs one benchmark and prints
 * what it measured.
 */
import { benchActors } from './actors.js';
import { benchChannels } from './channels.js';
import { benchChurn } from './churn.js';
import { benchCluster, clusterOptionsFromArgs, describeCluster } from './cluster.js';
import { benchMetadata } from './metadata.js';
import { benchPartition } from './partition.js';
import { benchSoak, describeSoak } from './soak.js';

type Bench = (args: readonly string[]) => Promise<Record<string, unknown>>;

const benches: Record<string, { run: Bench; describe: (r: Record<string, unknown>) => string }> = {
  actors: {
    run: benchActors,
    describe: (r) =>
      [
        `cast:  ${r.castPerSec} msg/s  (raw nact dispatch ${r.rawDispatchPerSec} msg/s)  ratio raw/ours ${r.castRatio}`,
        `call:  ${r.callPerSec} calls/s (raw nact query ${r.rawQueryPerSec} q/s)      ratio raw/ours ${r.callRatio}`,
        `(median of ${r.trials} alternating trials; ${r.casts} casts, ${r.calls} sequential calls per trial)`,
      ].join('\n'),
  },
  channels: {
    run: benchChannels,
    describe: (r) => {
      const s = r.small as Record<string, unknown>;
      const l = r.large as Record<string, unknown>;
      return [
        `100 B:  ${s.perSec} msg/s (raw ws + msgpackr ${s.rawPerSec} msg/s) ratio ours/raw ${s.ratio}, ${s.bytesPerMsg} wire B/msg`,
        `10 KiB: ${l.perSec} msg/s (raw ws + msgpackr ${l.rawPerSec} msg/s) ratio ours/raw ${l.ratio}, ${l.bytesPerMsg} wire B/msg`,
        '(two nodes in two processes; alternating trials, medians)',
      ].join('\n');
    },
  },
  cluster: {
    run: (args) => benchCluster(clusterOptionsFromArgs(args)),
    describe: describeCluster,
  },
  metadata: {
    run: benchMetadata,
    describe: (r) =>
      [
        `memory:   ${r.memoryPutsPerSec} puts/s on one node, 4 replicas converged ${r.memoryConvergeMs} ms after the last put`,
        `data dir: ${r.diskPutsPerSec} puts/s sequential (fsync before each put resolves), ${r.diskConcurrentPutsPerSec} puts/s with 64 in flight (group commit)`,
        `exchange: repairs 10,000 differing keys in ${r.repairMemoryMs} ms (memory), ${r.repairDiskMs} ms (data dir)`,
      ].join('\n'),
  },
  soak: { run: benchSoak, describe: describeSoak },
  churn: {
    run: benchChurn,
    describe: (r) => JSON.stringify(r, null, 2),
  },
  partition: {
    run: benchPartition,
    describe: (r) => JSON.stringify(r, null, 2),
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const at = args.findIndex((a) => !a.startsWith('--'));
  const name = args[at];
  const bench = name ? benches[name] : undefined;
  if (!bench) {
    console.error(
      `usage: npm run bench -- <${Object.keys(benches).join('|')}> [--json] (soak: [--minutes M]; cluster: [--nodes N] ...)`,
    );
    process.exit(2);
  }
  const result = await bench.run(args.filter((_, i) => i !== at));
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`benchmark ${name} (reproduce: npm run bench -- ${args.join(' ')})`);
    console.log(bench.describe(result));
  }
}

await main();
