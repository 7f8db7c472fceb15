// `npm run bench [-- GROUP...] [--full] [--strict] [--json [--out FILE]]`: measures, prints every
// figure with its bar, and says up front what it will run and about how long. The default is a
// quick run (under a minute on a quiet 2-core machine); --full adds the long and heavy groups and
// more samples. A missed bar is labelled MISSED; --strict exits 1 if any bar was missed.
// Benchmarks measure; tests never time anything.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDecision, benchRevocationMemory, benchVerify } from './access.js';
import { benchBootCpu } from './boot.js';
import { missed, printFigures, recorded } from './figures.js';

interface Group {
  name: string;
  /** Rough seconds on a quiet 2-core machine: quick, full. */
  seconds: [number, number];
  fullOnly?: boolean;
  run: (full: boolean) => Promise<void>;
}

const here = import.meta.dirname ?? __dirname;

const GROUPS: Group[] = [
  { name: 'verify', seconds: [3, 10], run: async (full) => printFigures('Ed25519 verification, peers interleaved (CPU time)', benchVerify(full)) },
  { name: 'decision', seconds: [16, 45], run: async (full) => printFigures('Access decision vs one raw verify, per sample (100,000 revocations, 10,000 grants)', await benchDecision(full, join(here, 'decision-probe.cjs'))) },
  { name: 'memory', seconds: [8, 8], run: async () => printFigures('Revocation set memory', benchRevocationMemory()) },
  {
    name: 'rss',
    seconds: [25, 25],
    run: async () => {
      const { benchResidentMemory } = await import('./rss.js');
      printFigures('Resident memory of the running lock', await benchResidentMemory(join(here, 'rss-probe.cjs')));
    },
  },
  { name: 'boot', seconds: [10, 30], run: async (full) => printFigures('Boot: CPU time to ready, paired, as a ratio to node -e 0', await benchBootCpu(full ? 21 : 7)) },
  {
    name: 'mqtt',
    seconds: [10, 30],
    run: async (full) => {
      const { benchRevocationLatency } = await import('./mqtt.js');
      printFigures('Revocation over a real Mosquitto (TLS, loopback), interleaved with a plain round trip', await benchRevocationLatency(full ? 300 : 100));
    },
  },
  {
    name: 'fleet',
    seconds: [0, 120],
    fullOnly: true,
    run: async () => {
      const { benchFleet } = await import('./fleet.js');
      printFigures('1,000 simulated locks on one Mosquitto enforce a new list', await benchFleet(1000));
    },
  },
  {
    name: 'drain',
    seconds: [0, 30],
    fullOnly: true,
    run: async () => {
      const { benchDrain } = await import('./drain.js');
      printFigures('Outbox drain after an outage (TLS loopback Mosquitto)', await benchDrain());
    },
  },
  {
    name: 'durable',
    seconds: [0, 60],
    fullOnly: true,
    run: async () => printFigures('Durable state at scale: boot with a 50,000-event outbox and 20,000 stored grants', await (await import('./durable.js')).benchDurable()),
  },
  {
    name: 'keypad',
    seconds: [6, 6],
    run: async () => printFigures('Keypad', (await import('./keypad.js')).benchKeypad()),
  },
  {
    name: 'pairing',
    seconds: [0, 20],
    fullOnly: true,
    run: async () => {
      const { benchPairingFlood, benchParcelScan } = await import('./pairing.js');
      printFigures('Serial pairing and parcel box', [...benchPairingFlood(), ...benchParcelScan()]);
    },
  },
  {
    name: 'cycles',
    seconds: [0, 180],
    fullOnly: true,
    run: async () => printFigures('Lock life (simulated board, simulated time)', await (await import('./cycles.js')).benchCycles(1_000_000)),
  },
];

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      full: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results.json' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run bench -- [GROUP...] [--full] [--strict] [--json [--out FILE]]\ngroups: ${GROUPS.map((g) => `${g.name}${g.fullOnly ? ' (--full)' : ''}`).join(', ')}`);
    return 0;
  }
  const unknown = positionals.filter((p) => !GROUPS.some((g) => g.name === p));
  if (unknown.length > 0) {
    console.error(`bench: unknown group ${unknown.join(', ')}; groups: ${GROUPS.map((g) => g.name).join(', ')}`);
    return 2;
  }
  const full = values.full!;
  const chosen = GROUPS.filter((g) => (positionals.length > 0 ? positionals.includes(g.name) : full || !g.fullOnly));
  const seconds = chosen.reduce((n, g) => n + g.seconds[full ? 1 : 0], 0);
  const skipped = GROUPS.filter((g) => !chosen.includes(g)).map((g) => g.name);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}; ${full ? 'full' : 'quick'} run: ${chosen.map((g) => g.name).join(', ')}`);
  console.log(`about ${seconds} s on a quiet 2-core machine (longer under load)${skipped.length ? `; not run: ${skipped.join(', ')}${full ? '' : ' (--full runs them)'}` : ''}`);
  const t0 = performance.now();
  const failed: string[] = [];
  for (const group of chosen) {
    try {
      await group.run(full);
    } catch (error) {
      // One group that cannot run does not hide the others' figures; it is named at the end and fails the run.
      console.error(`\nbench group ${group.name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
      failed.push(group.name);
    }
  }
  const misses = missed();
  console.log(`\n${recorded.reduce((n, s) => n + s.figures.length, 0)} figures in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${misses.length === 0 ? 'every bar met' : `${misses.length} bar(s) MISSED: ${misses.map((f) => f.name).join('; ')}`}${failed.length ? `; group(s) FAILED: ${failed.join(', ')}` : ''}`);
  if (values.json) {
    const figures = recorded.flatMap((s) => s.figures.map((f) => ({ section: s.section, name: f.name, value: f.value, unit: f.unit, bar: f.bar ?? null, ok: f.ok ?? null, note: f.note ?? null })));
    writeFileSync(values.out!, `${JSON.stringify({ node: process.version, platform: `${process.platform}/${process.arch}`, full, at: new Date().toISOString(), figures }, null, 2)}\n`);
    console.log(`figures written to ${values.out}`);
  }
  return failed.length > 0 || (values.strict && misses.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
