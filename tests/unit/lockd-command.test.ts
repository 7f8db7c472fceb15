// packaging/deb/lockd is the shipped lock's command line: the memory bench (bench/rss.ts) starts the
// lock with exactly what it reads from it, so its node flags must be ones node takes, and the
// young-generation cap the memory figures rely on must be there. It starts the production bundle,
// whose code cache goes where the unit lets the `lock` user write.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shippedCommand } from '../../bench/rss.js';

describe('packaging/deb/lockd', () => {
  const root = process.cwd();
  const shipped = shippedCommand(root);

  it('names node flags, the production bundle under the install directory and the packaged board profiles', () => {
    expect(shipped.flags).toContain('--max-semi-space-size=1');
    expect(shipped.entry).toBe(join(root, 'dist/bundle/start.cjs'));
    expect(shipped.args).toEqual(['--boards', join(root, 'boards.json')]);
    expect(shipped.env).toMatchObject({ MALLOC_ARENA_MAX: '2' });
  });

  it("keeps the bundle's code cache in the unit's CacheDirectory, which postinst also creates for the lock user", () => {
    const unit = readFileSync(join(root, 'packaging/deb/lock-firmware.service'), 'utf8');
    const postinst = readFileSync(join(root, 'packaging/deb/postinst'), 'utf8');
    expect(shipped.env.LOCK_CODE_CACHE_DIR).toBe('/var/cache/lock-firmware');
    expect(unit).toMatch(/^CacheDirectory=lock-firmware$/m);
    expect(unit).toMatch(/^CacheDirectoryMode=0700$/m);
    expect(postinst).toContain('chown lock:lock /var/cache/lock-firmware');
  });

  it('node starts with those flags and that environment', () => {
    const out = execFileSync(process.execPath, [...shipped.flags, '-e', 'console.log(process.execArgv.join(" "))'], { env: { ...process.env, ...shipped.env }, encoding: 'utf8' });
    expect(out.trim().startsWith(shipped.flags.join(' '))).toBe(true);
  });

  it('the parser refuses a lockd without a node line', () => {
    expect(() => shippedCommand(root, '#!/bin/sh\nexec /usr/bin/python3 x.py\n')).toThrow(/no "exec \/usr\/bin\/node/);
  });
});
