// 10,000 lock/unlock cycles of random lock life on the simulated board, on simulated time, with
// random jams, door traffic and hand turns; every invariant is checked after every step.
import { describe, expect, it } from 'vitest';
import { runCycles } from '../helpers/cycles.js';
import { startSimLock } from '../helpers/sim-lock.js';

describe('random lock life', () => {
  it('keeps every promise over 10,000 cycles', async () => {
    const lock = await startSimLock({ config: { autoRelockMs: 3000 }, seed: 7 });
    try {
      const report = await runCycles(lock, 10_000, 2026);
      expect(report.failures).toEqual([]);
      // The run really exercised what it claims to (seeded, so these counts are fixed).
      expect(report.counts.jam).toBeGreaterThan(400);
      expect(report.counts['brief jam']).toBeGreaterThan(400);
      expect((report.counts['lock:jammed'] ?? 0) + (report.counts['unlock:jammed'] ?? 0)).toBeGreaterThan(
        200,
      );
      expect(report.counts['thumb-turn']).toBeGreaterThan(500);
      expect(report.counts['door opened']).toBeGreaterThan(250);
      expect(report.counts['forced entry']).toBeGreaterThan(100);
      expect(report.counts['lock:aborted-door-open']).toBeGreaterThan(5);
      expect((report.counts['lock:done'] ?? 0) + (report.counts['unlock:done'] ?? 0)).toBeGreaterThan(5000);
    } finally {
      await lock.close();
    }
  }, 300_000);
});
