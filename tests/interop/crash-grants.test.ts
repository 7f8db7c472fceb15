// kill -9 at every write and fsync of a pushed grant (the grants file, the grant-stored event), then a
// restart on the same state directory: an acknowledged grant is held; and whatever was cut, the
// broker's redelivery of an unacknowledged grant ends with it held and reported, once or more.
// The points are counted (a run with no crash), not found by sleeping.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCrashChild } from '../helpers/crash-run.js';

const run = (dir: string, crashAt: number) => runCrashChild('tests/helpers/crash-grants.ts', [dir, String(crashAt)]);
const field = (lines: string[], name: string) => (lines.find((l) => l.startsWith(`${name} `)) ?? `${name} `).slice(name.length + 1);

describe('a pushed grant across a kill at every write point', () => {
  it('kill -9 at each write and fsync, then a restart: acknowledged means held, and the redelivery stores and reports it', async () => {
    const probeDir = mkdtempSync(join(tmpdir(), 'crash-grant-'));
    const probe = await run(probeDir, 0);
    expect(probe.lines).toContain('PUBACK');
    expect(field((await run(probeDir, -1)).lines, 'HELD')).toBe('yes'); // acknowledged, then a restart: held
    const points = Number(field(probe.lines, 'POINTS'));
    expect(points).toBeGreaterThanOrEqual(4); // the grant (write, fsync), its event (write, fsync)
    const outcomes: string[] = [];
    for (let n = 1; n <= points; n++) {
      const dir = mkdtempSync(join(tmpdir(), 'crash-grant-'));
      const first = await run(dir, n);
      expect(first.signal, `point ${n}`).toBe('SIGKILL');
      const after = await run(dir, -1);
      const where = `point ${n}: ${first.lines.join(' | ')} || ${after.lines.join(' | ')}`;
      if (first.lines.includes('PUBACK')) expect(field(after.lines, 'HELD'), where).toBe('yes'); // acknowledged: durable
      expect(Number(field(after.lines, 'STORED')), where).toBeGreaterThanOrEqual(1); // redelivered: held and said
      outcomes.push(`${n}:${first.lines.includes('PUBACK') ? 'acked' : 'not-acked'}->${field(after.lines, 'HELD')}`);
    }
    process.stderr.write(`grant crash points (n: acknowledged? -> held after the restart): ${outcomes.join(' ')}\n`);
  }, 600_000);
});
