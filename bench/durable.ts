// Durable state at scale: boot to ready with a 50,000-event outbox and a 20,000-grant store, as a
// ratio to an empty state's boot in the same run, and what a durable grant store costs per grant.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLockConfig } from '../firmware/config.js';
import { loadOrCreateIdentity } from '../firmware/identity.js';
import { pinDigest } from '../firmware/keypad/codes.js';
import { createLogger } from '../firmware/log.js';
import { startLock } from '../firmware/main.js';
import { FileStore } from '../firmware/store/file-store.js';
import { Outbox } from '../firmware/sync/outbox.js';
import { purgeJohnnyFive } from '../hal/johnny-five/purge.js';
import { systemClock } from '../hal/node/clock.js';
import { nodeStorage } from '../hal/node/storage.js';
import type { Storage } from '../hal/ports/storage.js';
import { cryptoRandom } from '../hal/node/random.js';
import { mintGrant } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { type Figure, percentile } from './figures.js';

const LOCK = 'front-door';
const owner = fastKey('owner'); // the same key, signing through node:crypto (filling 20,000 grants in seconds)
const SECRET = new Uint8Array(32).fill(0x42);

function ctiOf(n: number): Uint8Array {
  const cti = new Uint8Array(16);
  new DataView(cti.buffer).setUint32(0, n + 1);
  return cti;
}

function grant(n: number): Uint8Array {
  const cti = ctiOf(n);
  return mintGrant(owner, { aud: LOCK, cti, role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, String(10_000_000 + n))] } });
}

/** Filling only: the same files, written without an fsync per record (the boot that is measured reads them as they are). */
const fastFill: Storage = { ...nodeStorage, fsyncSync: () => {} };

/** A state directory holding `events` undelivered events and `grants` stored grants. */
export function fill(events: number, grants: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
  const outbox = new Outbox(dir, loadOrCreateIdentity(dir, cryptoRandom), systemClock, { lockId: LOCK, cap: 1_000_000, capBytes: 1 << 30, storage: fastFill });
  for (let i = 0; i < events; i++) outbox.append('battery', new Map([['percent', i % 100]]));
  outbox.close();
  const store = new FileStore(dir);
  // Filed under their grant id (an owner-signed grant's id is its cti), as the lock files them.
  for (let i = 0; i < grants; i++) store.saveGrant(Buffer.from(ctiOf(i)).toString('hex'), [grant(i)]);
  store.close();
  return dir;
}

export async function bootMs(dir: string): Promise<{ wall: number; cpu: number; after: number }> {
  const config = parseLockConfig({ access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: dir } });
  const logger = createLogger({ level: 'silent' });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { lock, world } = await startLock({ board: 'sim', config, logger, clock: systemClock });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  // What ready leaves for later: reading the outbox backlog, verifying the stored grants again.
  const a0 = process.cpuUsage();
  lock.app.outbox?.pending(1);
  void lock.app.core?.grants.size;
  const a = process.cpuUsage(a0);
  await lock.stop();
  world?.io.close();
  purgeJohnnyFive();
  return { wall, cpu: (c.user + c.system) / 1000, after: (a.user + a.system) / 1000 };
}

export async function benchDurable(): Promise<Figure[]> {
  const empty = fill(0, 0);
  const full = fill(50_000, 20_000);
  await bootMs(empty); // warm the module cache
  const runs = { empty: [] as number[], full: [] as number[], after: [] as number[] };
  for (let i = 0; i < 7; i++) {
    runs.empty.push((await bootMs(empty)).cpu);
    const booted = await bootMs(full);
    runs.full.push(booted.cpu);
    runs.after.push(booted.after);
  }
  const median = (xs: number[]) => percentile(xs.sort((a, b) => a - b), 50);
  const [e, f] = [median(runs.empty), median(runs.full)];
  // A durable grant store: verify, journal append, fsync (both in CPU and wall time).
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
  const store = new FileStore(dir);
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) store.saveGrant(`g${i}`, [grant(i)]);
  const perGrant = (performance.now() - t0) / n;
  store.close();
  return [
    { name: 'boot CPU to ready, empty state (p50 of 7)', value: e, unit: 'ms' },
    { name: 'boot CPU to ready, 50k-event outbox + 20k grants (p50 of 7)', value: f, unit: 'ms' },
    { name: 'boot with that state / empty boot', value: f / e, unit: 'x', note: 'the backlog is read and the grants verified again after ready' },
    { name: 'after ready: outbox backlog read + 20k grants verified again', value: median(runs.after), unit: 'ms CPU', note: 'in batches between other work; a look-up verifies what it needs first' },
    { name: 'durable grant store (append + fsync), wall per grant', value: perGrant, unit: 'ms' },
  ];
}
