// Measuring code on a shared, loaded machine: CPU time (process.cpuUsage) rather than wall time,
// peers interleaved round by round so that load hits them alike, and per-sample latencies with
// CPU and wall time side by side, counting the samples the scheduler preempted.
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export interface Peer {
  name: string;
  /** One operation. */
  run: () => void;
  /** Operations per round (slow peers do fewer, so every round takes about as long for each). */
  batch: number;
}

/**
 * Operations per CPU second for each peer, measured in `rounds` interleaved rounds, after each
 * peer has run for `warmupMs` first: pure JavaScript (tweetnacl) needs dozens of operations before
 * the JIT has optimised it, and measured cold it looks twice as slow as it is.
 */
export function interleavedRates(peers: readonly Peer[], rounds: number, warmupMs = 300): Map<string, number> {
  const ops = new Map<string, number>(peers.map((p) => [p.name, 0]));
  const cpu = new Map<string, number>(peers.map((p) => [p.name, 0]));
  for (const p of peers) {
    const until = performance.now() + warmupMs;
    do for (let i = 0; i < p.batch; i++) p.run();
    while (performance.now() < until);
  }
  for (let r = 0; r < rounds; r++) {
    for (const p of r % 2 === 0 ? peers : [...peers].reverse()) {
      const c0 = cpuMicros();
      for (let i = 0; i < p.batch; i++) p.run();
      cpu.set(p.name, cpu.get(p.name)! + cpuMicros() - c0);
      ops.set(p.name, ops.get(p.name)! + p.batch);
    }
  }
  return new Map(peers.map((p) => [p.name, ops.get(p.name)! / (cpu.get(p.name)! / 1e6)]));
}

export interface Latency {
  /**
   * CPU time of the measured thread per sample (ms), sorted: min(process CPU, wall time) of the
   * sample. process.cpuUsage() counts every thread of the process (GC helpers, the JIT compiler),
   * and the kernel credits a thread's CPU when it is descheduled or at a tick, so another thread's
   * work can land inside a 70 us sample (process CPU above wall time, impossible for one thread).
   * The measured thread's own CPU is at most the wall time and at most the process CPU: the
   * smaller of the two is the tightest bound these clocks give, and it never undercounts it.
   */
  cpu: number[];
  /** process.cpuUsage() per sample (ms), sorted: every thread, as the kernel credited it. */
  processCpu: number[];
  /** Wall time per sample (ms), sorted. */
  wall: number[];
  /** Samples whose wall time exceeded their process CPU by more than 50 us: the scheduler ran something else. */
  preempted: number;
  /** Samples whose process CPU exceeded their wall time: other threads' CPU was credited inside them. */
  otherThreads: number;
}

/** Per-sample clocks of each subject, written by `samplePass`. */
interface Samples {
  cpu: Float64Array[];
  processCpu: Float64Array[];
  wall: Float64Array[];
  preempted: number[];
  otherThreads: number[];
}

function newSamples(subjects: number, samples: number): Samples {
  const arrays = () => Array.from({ length: subjects }, () => new Float64Array(samples));
  return { cpu: arrays(), processCpu: arrays(), wall: arrays(), preempted: new Array<number>(subjects).fill(0), otherThreads: new Array<number>(subjects).fill(0) };
}

/**
 * One pass of `into.cpu[0].length` samples of every subject, alternating sample by sample. The
 * warm-up and the measurement run this same function, so the sampling loop and the clocks it
 * calls (process.cpuUsage) are as warm as the subjects when the measured pass starts.
 */
function samplePass(subjects: readonly Subject[], into: Samples): void {
  const samples = into.cpu[0]!.length;
  for (let i = 0; i < samples; i++) {
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[k]!;
      s.before?.();
      // The wall clock's window encloses the CPU clock's: process CPU above wall time is then
      // never the clocks' own skew, only other threads' CPU credited inside the sample.
      const w0 = performance.now();
      const c0 = process.cpuUsage();
      s.run();
      const c1 = process.cpuUsage(c0);
      const w = performance.now() - w0;
      const c = (c1.user + c1.system) / 1000;
      into.cpu[k]![i] = Math.min(c, w);
      into.processCpu[k]![i] = c;
      into.wall[k]![i] = w;
      if (w - c > 0.05) into.preempted[k]!++;
      if (c > w) into.otherThreads[k]!++;
    }
  }
}

export interface Subject {
  run: () => void;
  /** Runs untimed before each sample (e.g. issuing a challenge). */
  before?: () => void;
}

/**
 * Per-sample latency of each subject, alternating sample by sample (so machine load hits them
 * alike). Every sample taken is kept and reported; the order before them only keeps what is not
 * the code out of them:
 * 1. the setup's garbage is collected first (when run with --expose-gc): a full collection moves
 *    objects and leaves the caches cold, and the first dozens of samples after it ran 2-4x slower,
 *    enough to set a p99 of 3,000 samples on their own;
 * 2. then `warmup` samples of every subject through the same loop, thrown away: V8 tiers a
 *    function up to optimised code only after thousands of calls, and with 200 calls of warm-up
 *    (`node --trace-opt`) the decision's own functions (decideUnsafe, verifyChain, checkLinks)
 *    and process.cpuUsage were still being compiled during the first 1,000 samples. A lock runs
 *    for days: its steady state is what is measured;
 * 3. then the `samples` that are measured and returned, all of them.
 */
export function sampleLatencies(samples: number, subjects: readonly Subject[], warmup = 5000): Latency[] {
  globalThis.gc?.();
  if (warmup > 0) samplePass(subjects, newSamples(subjects.length, warmup));
  const measured = newSamples(subjects.length, samples);
  samplePass(subjects, measured);
  const sorted = (xs: Float64Array) => Array.from(xs.sort());
  return subjects.map((_, k) => ({
    cpu: sorted(measured.cpu[k]!),
    processCpu: sorted(measured.processCpu[k]!),
    wall: sorted(measured.wall[k]!),
    preempted: measured.preempted[k]!,
    otherThreads: measured.otherThreads[k]!,
  }));
}

/** Count young-generation collections (scavenges) while `fn` runs. */
export async function countScavenges(fn: () => void): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((resolve) => setTimeout(resolve, 50)); // entries are delivered asynchronously
  observer.disconnect();
  return count;
}
