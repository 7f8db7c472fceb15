// kill -9 at every write and fsync of a one-time grant's presentation, then a restart on the same
// state directory and the same grant again: across both runs the motor withdraws the bolt at most
// once. The points are found by counting them (a run with no crash), not by sleeping.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CrashRun, runCrashChild } from '../helpers/crash-run.js';

const run = (dir: string, crashAt: number) => runCrashChild('tests/helpers/crash-lock.ts', [dir, String(crashAt)]);

const opened = (r: CrashRun) => r.lines.filter((l) => l === 'MOTOR retract').length;

describe('a one-time grant across a power cut at every write point', () => {
  it('kill -9 at each write and fsync of the presentation, then a restart: the bolt withdraws at most once', async () => {
    const probe = await run(mkdtempSync(join(tmpdir(), 'crash-')), 0);
    expect(probe.lines).toContain('OUTCOME allow ok');
    expect(opened(probe)).toBe(1);
    const points = Number(probe.lines.find((l) => l.startsWith('POINTS '))!.split(' ')[1]);
    expect(points).toBeGreaterThanOrEqual(4); // the use, in both journal copies, each written and fsync'd
    const outcomes: string[] = [];
    for (let n = 1; n <= points; n++) {
      const dir = mkdtempSync(join(tmpdir(), 'crash-'));
      const first = await run(dir, n);
      expect(first.signal, `point ${n}`).toBe('SIGKILL');
      const second = await run(dir, 0);
      expect(opened(first) + opened(second), `point ${n}: ${first.lines.join(' | ')} || ${second.lines.join(' | ')}`).toBeLessThanOrEqual(1);
      outcomes.push(`${n}:${opened(first)}+${opened(second)}`);
      // Killed at the very first write (the use not yet anywhere on disk): the grant was not spent.
      if (n === 1) expect(opened(first) + opened(second), 'killed before anything was written').toBe(1);
    }
    // Killed before the use is on disk, the second run may open; after it, never.
    expect(outcomes.length).toBe(points);
    process.stderr.write(`crash points (n: opens in the killed run + opens after the restart): ${outcomes.join(' ')}\n`);
  }, 600_000);
});
