// Started by bench/access.ts in a child with exactly the node flags packaging/deb/lockd gives the
// lock (a 1 MiB semi-space, --optimize-for-size): measures the decision there and prints one JSON
// line: scavenges per 10,000 decisions, young bytes per decision, per-sample CPU p50/p99 of the
// decision and, interleaved, of one raw verify. No flag the shipped lock lacks: gc is reached at
// run time, as bench/rss-probe.ts does.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decisionWorld } from './access.js';
import { percentile } from './figures.js';
import { countScavenges, sampleLatencies } from './measure.js';

const youngUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;

/** Young bytes per call of `fn`: new-space growth over batches of 50 calls, the median of those no scavenge cut short. */
function youngBytesPer(fn: () => void): number {
  const per: number[] = [];
  for (let round = 0; round < 200 && per.length < 41; round++) {
    const empty0 = youngUsed();
    const empty1 = youngUsed(); // what reading the figure allocates itself
    const before = youngUsed();
    for (let i = 0; i < 50; i++) fn();
    const grown = youngUsed() - before - (empty1 - empty0);
    if (grown > 0) per.push(grown / 50);
  }
  per.sort((a, b) => a - b);
  return per[per.length >> 1] ?? Number.NaN;
}

async function main(): Promise<void> {
  const provider = process.argv[2] === 'node' ? 'node' : 'sodium';
  const samples = Number(process.argv[3] ?? 3000);
  setFlagsFromString('--expose-gc');
  globalThis.gc ??= runInNewContext('gc') as typeof globalThis.gc;
  const world = decisionWorld(provider);
  const once = () => {
    world.decision.before();
    world.decision.run();
  };
  const [decision, verify] = sampleLatencies(samples, [world.decision, world.raw]);
  const youngBytes = youngBytesPer(once);
  globalThis.gc!();
  const scavenges = await countScavenges(() => {
    for (let i = 0; i < 10_000; i++) once();
  });
  const report = {
    scavenges,
    youngBytes,
    p50: percentile(decision!.cpu, 50),
    p99: percentile(decision!.cpu, 99),
    verifyP50: percentile(verify!.cpu, 50),
    verifyP99: percentile(verify!.cpu, 99),
  };
  console.log(JSON.stringify(report));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
