// The production bundle as packaging/deb/lockd starts it (its node flags, environment and code cache),
// on a paired lock: what it loads before "ready" and whether V8 takes its code cache. What can wait is
// left for after ready (bench/boot.ts measures the CPU time); this test fails when something that can
// wait comes back before ready, or when the cache stops being accepted under lockd's flags.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairedConfig } from '../../bench/boot.js';
import { shippedCommand } from '../../bench/rss.js';

// Inside the repository, as dist/bundle is: its external packages load from node_modules.
mkdirSync('dist', { recursive: true });
const bundleDir = mkdtempSync(join('dist', 'test-boot-'));
const work = mkdtempSync(join(tmpdir(), 'bundle-boot-'));
const shipped = shippedCommand(process.cwd());
const cacheDir = join(work, 'cache');
mkdirSync(cacheDir, { mode: 0o700 });
const config = pairedConfig(mkdtempSync(join(work, 'paired-')));

beforeAll(() => {
  execFileSync(process.execPath, ['tools/bundle.mjs', bundleDir], { stdio: 'ignore' });
}, 60_000);
afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Start the bundle as lockd does, wait for its ready line, stop it with SIGTERM (it saves a new cache at exit). */
async function boot(probeFile?: string, output: { flag: string; ready: RegExp } = { flag: '--json', ready: /"event":"ready"/ }): Promise<void> {
  const probe = probeFile ? ['--require', resolve('tests/helpers/ready-probe.cjs')] : [];
  const args = [...shipped.flags, ...probe, join(bundleDir, 'start.cjs'), '--boards', 'boards.json', '--board', 'sim', output.flag, '--config', config];
  const env = { ...process.env, ...shipped.env, LOCK_CODE_CACHE_DIR: cacheDir, IS_TEST_MODE: '', ...(probeFile ? { READY_PROBE_FILE: probeFile } : {}) };
  const lock = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((done) => lock.once('exit', done));
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error('no ready line')), 30_000);
      lock.once('exit', (code) => fail(new Error(`exited (${code}) before ready`)));
      createInterface({ input: lock.stdout }).on('line', (line) => {
        if (!output.ready.test(line)) return;
        clearTimeout(timer);
        ready();
      });
    });
  } finally {
    lock.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}

const cacheFile = () => join(cacheDir, `lock.cjs.${process.version}.v8cache`);

describe('the production bundle as lockd starts it, paired', () => {
  it('writes its code cache at the first boot, and a second boot under the same flags takes it (V8 accepts it, so it is not written again)', async () => {
    await boot();
    const first = statSync(cacheFile());
    expect(first.size).toBeGreaterThan(100_000);
    await boot();
    const second = statSync(cacheFile());
    expect({ ino: second.ino, mtimeMs: second.mtimeMs }).toEqual({ ino: first.ino, mtimeMs: first.mtimeMs });
  }, 90_000);

  it('loads nothing before ready that can wait: no child process, network, terminal, assert, timing or ES module loader built-ins', async () => {
    const probeFile = join(work, 'loaded.json');
    await boot(probeFile);
    const loaded = JSON.parse(readFileSync(probeFile, 'utf8')) as string[];
    // What a paired lock needs before it can decide (a sanity check that the probe saw the boot).
    expect(loaded).toEqual(expect.arrayContaining(['crypto', 'zlib']));
    const canWait = ['child_process', 'net', 'tls', 'dgram', 'http', 'https', 'tty', 'readline', 'repl', 'assert', 'perf_hooks', 'module', 'internal/modules/esm/loader', 'internal/fs/sync_write_stream'];
    expect(loaded.filter((name) => canWait.includes(name))).toEqual([]);
  }, 60_000);

  it('prints pretty lines when asked (pino-pretty in a worker the bundle starts from node_modules)', async () => {
    await boot(undefined, { flag: '--pretty', ready: /INFO: lock ready, bolt locked/ });
  }, 60_000);
});
