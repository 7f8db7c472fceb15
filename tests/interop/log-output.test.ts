// A lock never waits on its log. Real processes with stdout a FIFO, as `lockd | grep -m1 ready` or
// journald gives it: the reader goes away (EPIPE) or stops reading (a full pipe). The production
// bundle, started as packaging/deb/lockd starts it, still stops on SIGTERM with its state saved, and
// the simulator (the same composition) still decides a PIN while its log cannot be written.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairedConfig } from '../../bench/boot.js';
import { shippedCommand } from '../../bench/rss.js';
import { type SimProcess } from '../helpers/sim-process.js';
import { simWeb } from '../helpers/sim-web.js';

mkdirSync('dist', { recursive: true });
const bundleDir = mkdtempSync(join('dist', 'test-log-'));
const work = mkdtempSync(join(tmpdir(), 'term-log-'));
const shipped = shippedCommand(process.cwd());
const children: ChildProcess[] = [];

beforeAll(() => {
  execFileSync(process.execPath, ['tools/bundle.mjs', bundleDir], { stdio: 'ignore' });
}, 60_000);
afterAll(() => {
  for (const p of polls) p();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/**
 * A FIFO: the child's end (write), our reader on it (polled, so that it can stop reading without
 * the kernel's buffer being drained behind its back), and a second writer of ours to fill it.
 */
function fifo(name: string) {
  const path = join(work, name);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const childFd = openSync(path, constants.O_WRONLY);
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let partial = '';
  const chunk = Buffer.alloc(65536);
  const poll = setInterval(() => {
    for (;;) {
      let n = 0;
      try {
        n = readSync(readFd, chunk);
      } catch {
        return; // EAGAIN: nothing more for now
      }
      if (n === 0) return; // no writer left
      const text = partial + chunk.toString('utf8', 0, n);
      const parts = text.split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      for (const w of waiters.splice(0)) w();
    }
  }, 20);
  let open = true;
  const stop = () => clearInterval(poll);
  polls.push(() => (stop(), open && closeSync(readFd), (open = false)));
  return {
    childFd,
    lines,
    /** The reader goes away (grep -m1 exits). */
    close: () => (stop(), open && closeSync(readFd), (open = false)),
    /** The first line that passes `test`, within a generous deadline. */
    waitFor: (test: (l: string) => boolean, what: string) => until(() => lines.find(test), what, waiters),
    /** Stop reading, and fill the pipe from our own (non-blocking) writer until the kernel takes no more. */
    fill() {
      stop();
      const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      const block = Buffer.alloc(4096, '#');
      let n = 0;
      try {
        for (;;) n += writeSync(fd, block);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('EAGAIN');
      }
      closeSync(fd);
      return n;
    },
  };
}
const polls: (() => void)[] = [];

/** Poll `read` (and wake on `waiters`) until it gives a value; fail after 30 s. */
async function until<T>(read: () => T | undefined, what: string, waiters: (() => void)[] = []): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = read();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, 50);
      waiters.push(() => (clearTimeout(t), r()));
    });
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

/** SIGTERM, then the exit within a deadline far above a stop's (the lock's own force-exit is 15 s). */
async function terminate(child: ChildProcess) {
  child.kill('SIGTERM');
  const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000).unref());
  const result = await Promise.race([exitOf(child), timeout]);
  if (result === 'hung') child.kill('SIGKILL');
  return result;
}

function startBundle(config: string, stdio: ['ignore', number | 'pipe', number | 'pipe' | 'ignore']) {
  const args = [...shipped.flags, join(bundleDir, 'start.cjs'), '--boards', 'boards.json', '--board', 'sim', '--json', '--config', config];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...shipped.env, LOCK_CODE_CACHE_DIR: join(work, 'cache'), IS_TEST_MODE: '' }, stdio });
  children.push(child);
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  return { child, stderr };
}

const ready = (l: string) => l.includes('"event":"ready"');

describe('the production bundle (lockd) with its log pipe broken or full', () => {
  it('the reader goes away (grep -m1 ready): SIGTERM stops it with exit 0, it says so once on stderr, and its state reopens undamaged', async () => {
    const out = fifo('closed');
    const config = pairedConfig(mkdtempSync(join(work, 'closed-')));
    const { child, stderr } = startBundle(config, ['ignore', out.childFd, 'pipe']);
    closeSync(out.childFd);
    await out.waitFor(ready, 'the ready line');
    out.close(); // grep -m1 exits: the pipe has no reader
    expect(await terminate(child)).toEqual({ code: 0, signal: null });
    expect(stderr.join('')).toMatch(/^lock: log output closed \(EPIPE\)/m);
    // The stop saved the state: the next boot on it is ready, with nothing damaged.
    const again = fifo('again');
    const second = startBundle(config, ['ignore', again.childFd, 'pipe']).child;
    closeSync(again.childFd);
    await again.waitFor(ready, 'the second ready line');
    expect(await terminate(second)).toEqual({ code: 0, signal: null });
    expect(again.lines.filter((l) => l.includes('state-damaged') || l.includes('"level":50'))).toEqual([]);
  }, 120_000);

  it('nobody reads the pipe and it is full (journald slow): SIGTERM stops it with exit 0', async () => {
    const out = fifo('full');
    const { child } = startBundle(pairedConfig(mkdtempSync(join(work, 'full-'))), ['ignore', out.childFd, 'pipe']);
    closeSync(out.childFd);
    await out.waitFor(ready, 'the ready line');
    expect(out.fill()).toBeGreaterThan(0);
    expect(await terminate(child)).toEqual({ code: 0, signal: null });
    out.close();
  }, 120_000);

  it('stdout and stderr both without a reader, and stderr closed outright: it still stops with exit 0', async () => {
    const out = fifo('both-out');
    const err = fifo('both-err');
    const { child } = startBundle(pairedConfig(mkdtempSync(join(work, 'both-'))), ['ignore', out.childFd, err.childFd]);
    closeSync(out.childFd);
    closeSync(err.childFd);
    await out.waitFor(ready, 'the ready line');
    out.close();
    err.close();
    expect(await terminate(child)).toEqual({ code: 0, signal: null });

    const closed = fifo('no-stderr');
    const config = pairedConfig(mkdtempSync(join(work, 'no-stderr-')));
    const lockd = [process.execPath, ...shipped.flags, join(bundleDir, 'start.cjs'), '--boards', 'boards.json', '--board', 'sim', '--json', '--config', config].map((w) => `'${w}'`).join(' ');
    const sh = spawn('sh', ['-c', `exec ${lockd} 2>&-`], { env: { ...process.env, ...shipped.env, LOCK_CODE_CACHE_DIR: join(work, 'cache'), IS_TEST_MODE: '' }, stdio: ['ignore', closed.childFd, 'pipe'] });
    children.push(sh);
    closeSync(closed.childFd);
    await closed.waitFor(ready, 'the ready line without stderr');
    closed.close();
    expect(await terminate(sh)).toEqual({ code: 0, signal: null });
  }, 120_000);
});

describe('the simulator (the same composition) keeps deciding while its log cannot be written', () => {
  /** `npm run sim --json` with stdout on a FIFO; its web API is how the test sees its decisions. */
  async function startSim(name: string) {
    const out = fifo(name);
    const proc = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts', '--json'], { env: { ...process.env, IS_TEST_MODE: '' }, stdio: ['ignore', out.childFd, 'pipe'] });
    children.push(proc);
    closeSync(out.childFd);
    const line = await out.waitFor((l) => l.includes('web page and control API:'), 'the web address');
    const sim = { waitFor: () => Promise.resolve(line) } as unknown as SimProcess;
    return { out, proc, web: await simWeb(sim) };
  }

  it.each(['closed', 'full'] as const)('log pipe %s: the demo PIN opens, the wrong one is refused, and SIGTERM stops it', async (fault) => {
    const { out, proc, web } = await startSim(`sim-${fault}`);
    if (fault === 'closed') out.close();
    else expect(out.fill()).toBeGreaterThan(0);
    expect((await web.post('keypad/type', { keys: '1111#' })).status).toBe(200);
    await web.waitForEvent((e) => e.type === 'access' && e.data.allow === false, 'the wrong PIN refused');
    expect((await web.post('keypad/type', { keys: '2580#' })).status).toBe(200);
    await web.waitForEvent((e) => e.type === 'access' && e.data.allow === true, 'the PIN opening');
    expect(await terminate(proc)).toEqual({ code: 0, signal: null });
    if (fault === 'full') out.close();
  }, 120_000);
});
