// Resident memory of the running lock holding 100,000 revocations and 10,000 grants: the lock is
// started as the Debian package starts it (packaging/deb/lockd: its exports, node flags and entry
// point, the production bundle; paths mapped to this checkout, the code cache to a temp directory) on a state directory holding a signed 100,000-entry list and
// 10,000 stored grants, which it verifies at boot as always; bench/rss-probe.ts reports its memory.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FileStore } from '../firmware/store/file-store.js';
import { nodeStorage } from '../hal/node/storage.js';
import { seededRandom } from '../hal/node/random.js';
import type { Storage } from '../hal/ports/storage.js';
import { mintGrant, mintHeartbeat, mintRevocations } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { pairedConfig } from './boot.js';
import { atMost, type Figure } from './figures.js';

const REVOCATIONS = 100_000;
const GRANTS = 10_000;
const INSTALL_DIR = '/usr/lib/lock-firmware/';
/** How long the lock runs after ready before it is measured. */
const SETTLE_MS = 2000;

export interface ShippedCommand {
  /** Variables lockd exports. */
  env: Record<string, string>;
  /** Node's own flags. */
  flags: string[];
  entry: string;
  args: string[];
}

/** The command line packaging/deb/lockd runs (its exports, node flags, entry and arguments), install paths mapped into `root`. */
export function shippedCommand(root: string, lockd = readFileSync(join(root, 'packaging/deb/lockd'), 'utf8')): ShippedCommand {
  const env = Object.fromEntries([...lockd.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const line = lockd.split('\n').find((l) => /^exec \/usr\/bin\/node\s/.test(l));
  if (!line) throw new Error('packaging/deb/lockd: no "exec /usr/bin/node ..." line');
  const words = line.trim().split(/\s+/).slice(2).filter((w) => w !== '"$@"').map((w) => w.replaceAll(INSTALL_DIR, `${root}/`));
  const at = words.findIndex((w) => !w.startsWith('-'));
  if (at < 0) throw new Error('packaging/deb/lockd: no entry script on the node line');
  return { env, flags: words.slice(0, at), entry: words[at]!, args: words.slice(at + 1) };
}

/** A paired lock's state directory holding the list, a heartbeat naming it and the grants, as the lock would have written them. */
export function fillState(dir: string): string {
  const owner = fastKey('owner');
  const random = seededRandom(12);
  const config = pairedConfig(dir, Buffer.from(owner.publicKey).toString('hex'));
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), maxRevocationEntries: REVOCATIONS }));
  const now = Math.floor(Date.now() / 1000);
  // Filling only: the same files, without an fsync per record (the lock reads them as they are).
  const fastFill: Storage = { ...nodeStorage, fsyncSync: () => {} };
  const store = new FileStore(join(dir, 'state'), fastFill);
  store.saveSnapshot('revocations', mintRevocations(owner, { seq: 1, aud: 'front-door', iat: now, grants: Array.from({ length: REVOCATIONS }, () => random.bytes(16)) }));
  store.saveSnapshot('heartbeat', mintHeartbeat(owner, { time: now, seq: 1, aud: 'front-door' }));
  for (let i = 0; i < GRANTS; i++) {
    const cti = random.bytes(16);
    const grant = mintGrant(owner, { aud: 'front-door', cti, role: 'guest', exp: now + 86_400, credential: { kind: 'pin', digests: [random.bytes(32)] } });
    store.saveGrant(Buffer.from(cti).toString('hex'), [grant]);
  }
  store.close();
  return config;
}

interface Sample {
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** Start the lock, wait until it has verified its stored grants after ready, let it settle, and read its memory through the probe. */
export function measure(command: string[], env: Record<string, string>, settleMs: number): Promise<{ before: Sample; after: Sample; ready: Record<string, unknown> }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MALLOC_') && name !== 'NODE_OPTIONS'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { env: { ...inherited, ...env, IS_TEST_MODE: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let ready: Record<string, unknown> | null = null;
    const fail = (code: number | null) => reject(new Error(`the lock exited (${code}) before it was measured`));
    child.on('exit', fail);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const record = JSON.parse(line) as Record<string, unknown>;
      // Stored grants are verified again after ready, a batch at a time: measured once they all are.
      if (record.event === 'grants-verified') {
        ready = record;
        setTimeout(() => child.kill('SIGUSR2'), settleMs);
      } else if (record.probe && ready) {
        child.off('exit', fail);
        child.kill('SIGTERM');
        const { before, after } = record.probe as { before: Sample; after: Sample };
        child.once('exit', () => resolve({ before, after, ready: ready! }));
      }
    });
  });
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

export async function benchResidentMemory(probe: string, root = process.cwd()): Promise<Figure[]> {
  const config = fillState(mkdtempSync(join(tmpdir(), 'bench-rss-')));
  const shipped = shippedCommand(root);
  // What the package ships, built as the package builds it (bench/build.mjs builds the bundle).
  if (shipped.entry.startsWith(join(root, 'dist/firmware/'))) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (!existsSync(shipped.entry)) throw new Error(`${shipped.entry} (what packaging/deb/lockd starts) is not built`);
  // lockd's code cache directory (/var/cache/lock-firmware on the board) becomes a fresh one here.
  const env = { ...shipped.env, ...(shipped.env.LOCK_CODE_CACHE_DIR ? { LOCK_CODE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'bench-rss-cache-')) } : {}) };
  const run = async (entry: string) => {
    const command = [...shipped.flags, '--require', resolve(probe), entry, ...shipped.args, '--board', 'sim', '--json', '--config', config];
    const result = await measure(command, env, SETTLE_MS);
    const { ready } = result;
    if (ready.grants !== GRANTS || ready.revocationSeq !== 1) throw new Error(`${entry}: the lock holds ${String(ready.grants)} grants, revocation list ${String(ready.revocationSeq)}`);
    return result;
  };
  // With a code cache, the first boot after an install compiles and writes it; every later boot loads it.
  const first = env.LOCK_CODE_CACHE_DIR ? await run(shipped.entry) : null;
  const lockd = await run(shipped.entry);
  const tsc = join(root, 'dist/firmware/main.js');
  const peer = shipped.entry !== tsc && existsSync(tsc) ? await run(tsc).catch(() => null) : null;
  const exports = Object.entries(shipped.env).map(([k, v]) => `${k}=${v} `).join('');
  const how = `started as packaging/deb/lockd starts it: ${exports}node ${[...shipped.flags, relative(root, shipped.entry)].join(' ')}${first ? ' (its code cache directory a temp one here, written by a first boot)' : ''}`;
  const parts = (s: Sample) => `anonymous ${mib(s.anon)} MiB, file-backed (the node binary) ${mib(s.file)} MiB, V8 heap ${mib(s.heapUsed)} of ${mib(s.heapTotal)} MiB, array buffers ${mib(s.arrayBuffers)} MiB`;
  const what = `${REVOCATIONS.toLocaleString('en')} revocations and ${GRANTS.toLocaleString('en')} grants`;
  return [
    atMost(`running lock, ${what}, idle (after a full collection, as V8's memory reducer leaves it): RSS`, lockd.after.rss / 2 ** 20, 'MiB', 80 / 1.048576, '80 MB', `${parts(lockd.after)}; ${how}`),
    { name: `the same lock ${SETTLE_MS / 1000} s after its stored grants were verified, before that collection: RSS`, value: lockd.before.rss / 2 ** 20, unit: 'MiB', note: parts(lockd.before) },
    ...(first ? [{ name: 'the same lock on its first boot after an install (no code cache yet), idle: RSS', value: first.after.rss / 2 ** 20, unit: 'MiB', note: parts(first.after) }] : []),
    ...(peer ? [{ name: 'the tsc build (dist/firmware/main.js, packaged before the bundle), same flags, idle: RSS', value: peer.after.rss / 2 ** 20, unit: 'MiB', note: parts(peer.after) }] : []),
  ];
}
