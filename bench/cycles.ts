// Simulated lock life with random faults, invariants checked every 10 ms step (the same driver
// as the CI scenario test, at the benchmark's scale).
import { runCycles } from '../tests/helpers/cycles.js';
import { startSimLock } from '../tests/helpers/sim-lock.js';
import type { Figure } from './figures.js';

export async function benchCycles(cycles: number): Promise<Figure[]> {
  const lock = await startSimLock({ config: { autoRelockMs: 3000 }, seed: 11, record: false });
  try {
    const t0 = performance.now();
    const report = await runCycles(lock, cycles, 424242);
    const seconds = (performance.now() - t0) / 1000;
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
    return [
      {
        name: 'simulated cycles with random faults',
        value: cycles,
        unit: 'cycles',
        bar: '1,000,000 with invariants held',
        ok: report.failures.length === 0 && cycles >= 1_000_000,
      },
      {
        name: 'broken invariants',
        value: report.failures.length,
        unit: '',
        bar: '0',
        ok: report.failures.length === 0,
        note: report.failures.slice(0, 3).join('; '),
      },
      { name: 'simulated cycles per second', value: cycles / seconds, unit: '/s' },
      {
        name: 'simulated lock time per real second',
        value: report.simulatedMs / 1000 / seconds,
        unit: 'x real time',
      },
      { name: 'heap after run', value: heapMb, unit: 'MB' },
    ];
  } finally {
    await lock.close();
  }
}
