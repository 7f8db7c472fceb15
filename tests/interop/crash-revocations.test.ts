// kill -9 at every write and fsync of a revocation list's update (the slot, the directory, the
// outcome event, the reported note), then a restart on the same state directory: an acknowledged
// list is in force, the list in force is never lost (the old or the new one), and whichever new list
// is in force has its outcome event in the outbox. The points are counted (a run with no crash).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCrashChild } from '../helpers/crash-run.js';

const run = (dir: string, crashAt: number, list = 2) => runCrashChild('tests/helpers/crash-revocations.ts', [dir, String(crashAt), String(list)]);

const field = (lines: string[], name: string) => (lines.find((l) => l.startsWith(`${name} `)) ?? `${name} `).slice(name.length + 1);

describe('a revocation list update across a kill at every write point', () => {
  for (const [list, what] of [[2, 'its slot file created'], [3, 'its slot overwritten in place']] as const) {
    it(`list ${list} (${what}): kill -9 at each write and fsync, then a restart: acknowledged means in force, and a list in force has its event`, async () => {
      const probe = await run(mkdtempSync(join(tmpdir(), 'crash-rev-')), 0, list);
      expect(probe.lines).toContain('PUBACK');
      const points = Number(field(probe.lines, 'POINTS'));
      expect(points).toBeGreaterThanOrEqual(4); // the slot (write, fsync), the event (write, fsync)
      const outcomes: string[] = [];
      for (let n = 1; n <= points; n++) {
        const dir = mkdtempSync(join(tmpdir(), 'crash-rev-'));
        const first = await run(dir, n, list);
        expect(first.signal, `point ${n}`).toBe('SIGKILL');
        const after = await run(dir, -1);
        const seq = Number(field(after.lines, 'SEQ'));
        const reported = field(after.lines, 'REPORTED').split(',').filter(Boolean);
        const where = `point ${n}: ${first.lines.join(' | ')} || ${after.lines.join(' | ')}`;
        expect([list - 1, list], where).toContain(seq); // never without a list, never an older one
        if (first.lines.includes('PUBACK')) expect(seq, where).toBe(list); // acknowledged: durable
        expect(reported, where).toContain(String(seq)); // the list in force was reported (at least once)
        expect(field(after.lines, 'DAMAGED'), where).toBe(''); // a killed process tears nothing
        outcomes.push(`${n}:${first.lines.includes('PUBACK') ? 'acked' : 'not-acked'}->seq${seq}`);
      }
      process.stderr.write(`revocation crash points, list ${list}: ${outcomes.join(' ')}\n`);
    }, 600_000);
  }
});
