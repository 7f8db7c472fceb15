// A real full disk: the lock's state directory on a 512 KiB tmpfs (mounted here; CI runs as root).
// Filled up by a file beside it, the lock keeps running and deciding, refuses what needs a durable
// write (store-failure, never an allow without the use on disk), and recovers once space returns.
// Where mounting is not allowed (no root), the test says so and is skipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { mintGrant, present, testKey } from '../../tools/lib/mint.js';
import { type SimLock, startSimLock } from '../helpers/sim-lock.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'lock-tmpfs-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  process.stderr.write(`tmpfs test skipped: cannot mount a tmpfs at ${mountPoint} (needs root; CI runs as root)\n`);
}
let lock: SimLock | null = null;
afterAll(async () => {
  await lock?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const anna = testKey('phone-anna');

/** Fill the file system to the last byte with a file beside the state directory. */
function fill(): string {
  const path = join(mountPoint, 'filler');
  const chunk = Buffer.alloc(4096, 1);
  try {
    writeFileSync(path, '');
    for (let i = 0; i < 1000; i++) writeFileSync(path, chunk, { flag: 'a' });
  } catch {
    // ENOSPC: full
  }
  for (const size of [512, 64, 1]) {
    try {
      for (;;) writeFileSync(path, Buffer.alloc(size, 1), { flag: 'a' });
    } catch {
      // full at this granularity
    }
  }
  return path;
}

describe.skipIf(!mounted)('a real full disk (tmpfs)', () => {
  it('keeps running and deciding, refuses what needs a durable write, and recovers when space returns', async () => {
    const stateDir = join(mountPoint, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    const l = (lock = await startSimLock({
      startMs: Date.parse('2026-06-01T08:00:00Z'),
      config: { autoRelockMs: 5_000 },
      access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: SECRET, stateDir },
    }));
    expect(l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(1), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, '482913')] } })]).ok).toBe(true);
    const filler = fill();
    const last = () => l.localEvents.filter((e) => e.type === 'access').at(-1)!;
    const grantFor = (n: number) => {
      const cti = new Uint8Array(16).fill(0);
      new DataView(cti.buffer).setUint16(0, n + 16);
      return { cti, bytes: mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: anna.publicKey, maxUses: 1 }) };
    };
    const tap = (g: { cti: Uint8Array; bytes: Uint8Array }) => {
      l.control.tapPhone({ respond: (challenge) => present([g.bytes], anna, LOCK, challenge, g.cti) });
      l.time.advance(1500);
      const outcome = last();
      l.time.advance(6_000); // relocked
      return outcome;
    };
    // One-time grants, one after another, until the card has no room left even in its last pages.
    const allowed: number[] = [];
    let refusedAt = -1;
    for (let n = 0; n < 400 && refusedAt < 0; n++) {
      const outcome = tap(grantFor(n));
      if (outcome.allow) allowed.push(n);
      else {
        expect(outcome).toMatchObject({ allow: false, reason: 'store-failure' });
        refusedAt = n;
      }
    }
    expect(refusedAt).toBeGreaterThanOrEqual(0); // the disk did fill
    expect(l.world.bolt.isThrown).toBe(true);
    l.time.advance(l.control.typeKeys('482913#') + 1500); // a PIN without a use limit still opens
    expect(last()).toMatchObject({ allow: true });
    l.time.advance(8_000);
    rmSync(filler); // space returns
    const retry = tap(grantFor(refusedAt));
    expect(retry, JSON.stringify(retry)).toMatchObject({ allow: true }); // its use was never spent, and the disk takes it now
    await l.restart();
    // Every grant that opened has its one use on disk: none opens again.
    for (const n of [...allowed.slice(-3), refusedAt]) expect(tap(grantFor(n)), `grant ${n}`).toMatchObject({ allow: false, reason: 'uses-exhausted' });
  }, 60_000);
});
