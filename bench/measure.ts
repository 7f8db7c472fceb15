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

/** Operations per CPU second for each peer, measured in `rounds` interleaved rounds. */
export function interleavedRates(peers: readonly Peer[], rounds: number): Map<string, number> {
  const ops = new Map<string, number>(peers.map((p) => [p.name, 0]));
  const cpu = new Map<string, number>(peers.map((p) => [p.name, 0]));
  for (const p of peers) for (let i = 0; i < p.batch; i++) p.run(); // warm up
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
  /** CPU time per sample (ms), sorted. */
  cpu: number[];
  /** CPU time of the samples that were not preempted (ms), sorted: a preempted sample also pays for caches the other process evicted. */
  cpuQuiet: number[];
  /** Wall time per sample (ms), sorted. */
  wall: number[];
  /** Samples whose wall time exceeded their CPU time by more than 50 us: the scheduler ran something else. */
  preempted: number;
}

/**
 * Per-sample latency of `fn` against `peer` (if any), alternating sample by sample. `before` runs
 * untimed before each sample (e.g. issuing a challenge).
 */
export function sampleLatencies(samples: number, subjects: readonly { run: () => void; before?: () => void }[], warmup = 200): Latency[] {
  const cpu = subjects.map(() => [] as number[]);
  const wall = subjects.map(() => [] as number[]);
  const preempted = subjects.map(() => 0);
  const quiet = subjects.map(() => [] as number[]);
  for (let i = 0; i < samples + warmup; i++) {
    subjects.forEach((s, k) => {
      s.before?.();
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      s.run();
      const w = performance.now() - w0;
      const c1 = process.cpuUsage(c0);
      if (i < warmup) return;
      const c = (c1.user + c1.system) / 1000;
      cpu[k]!.push(c);
      wall[k]!.push(w);
      if (w - c > 0.05) preempted[k]!++;
      else quiet[k]!.push(c);
    });
  }
  const sort = (xs: number[]) => xs.sort((a, b) => a - b);
  return subjects.map((_, k) => ({ cpu: sort(cpu[k]!), cpuQuiet: sort(quiet[k]!), wall: sort(wall[k]!), preempted: preempted[k]! }));
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
