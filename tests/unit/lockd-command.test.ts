// packaging/deb/lockd is the shipped lock's command line: the memory bench (bench/rss.ts) starts the
// lock with exactly what it reads from it, so its node flags must be ones node takes, and the
// young-generation cap the memory figures rely on must be there.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shippedCommand } from '../../bench/rss.js';

describe('packaging/deb/lockd', () => {
  const root = process.cwd();
  const shipped = shippedCommand(root);

  it('names node flags, an entry script under the install directory and the packaged board profiles', () => {
    expect(shipped.flags).toContain('--max-semi-space-size=1');
    expect(shipped.entry).toBe(join(root, 'dist/firmware/main.js'));
    expect(shipped.args).toEqual(['--boards', join(root, 'boards.json')]);
    expect(shipped.env).toMatchObject({ MALLOC_ARENA_MAX: '2' });
  });

  it('node starts with those flags and that environment', () => {
    const out = execFileSync(process.execPath, [...shipped.flags, '-e', 'console.log(process.execArgv.join(" "))'], { env: { ...process.env, ...shipped.env }, encoding: 'utf8' });
    expect(out.trim().startsWith(shipped.flags.join(' '))).toBe(true);
  });

  it('the parser refuses a lockd without a node line', () => {
    expect(() => shippedCommand(root, '#!/bin/sh\nexec /usr/bin/python3 x.py\n')).toThrow(/no "exec \/usr\/bin\/node/);
  });
});
