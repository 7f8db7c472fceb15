// Every storage fault at every write point of the lock's durable operations, through the device's
// boot path: a short write, ENOSPC and EIO on fsync at the 1st, 2nd, ... write or fsync of a use
// commit, a wrong-code count, a mode change, a grant store and an event append; then space returns
// and the lock restarts on the same state directory. No allow without a durable use, no second use,
// no count shown but lost, no reused sequence number, no crash, and recovery.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { mintCommand, mintGrant, present, testKey } from '../../tools/lib/mint.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { outboxEvents, type SimLock, startSimLock } from '../helpers/sim-lock.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const anna = testKey('phone-anna');
const MON_1000 = Date.parse('2026-06-01T08:00:00Z');
const FAULTS = [
  { name: 'ENOSPC', op: 'write', fault: { code: 'ENOSPC' } },
  { name: 'short write', op: 'write', fault: { short: 3 } },
  { name: 'EIO on fsync', op: 'fsync', fault: { code: 'EIO' } },
] as const;

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

async function boot(stateDir: string, storage: FaultyStorage) {
  return (lock = await startSimLock({
    startMs: MON_1000,
    config: { autoRelockMs: 5_000 },
    access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: SECRET, stateDir },
    storage,
  }));
}
const lastAccess = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access').at(-1);
const once = new Uint8Array(16).fill(0x51);
const onceGrant = mintGrant(owner, { aud: LOCK, cti: once, role: 'resident', holderKey: anna.publicKey, maxUses: 1 });
function tap(l: SimLock) {
  const before = l.localEvents.length;
  l.control.tapPhone({ respond: (challenge) => present([onceGrant], anna, LOCK, challenge, once) });
  l.time.advance(1500);
  const e = l.localEvents.slice(before).find((x) => x.type === 'access');
  l.time.advance(7_000);
  return e as { allow: boolean; reason: string } | undefined;
}
function type(l: SimLock, code: string) {
  l.time.advance(l.control.typeKeys(`${code}#`) + 1500);
  const e = lastAccess(l) as { allow: boolean; reason: string };
  l.time.advance(7_000);
  return e;
}

/** An operation under test: run it, then judge what a restart finds against what was shown. */
interface Operation {
  name: string;
  run(l: SimLock): unknown;
  judge(l: SimLock, shown: unknown, seqBefore: number): void;
}

const OPERATIONS: Operation[] = [
  {
    name: 'a one-time grant\'s use commit',
    run: (l) => ({ outcome: tap(l), moved: !l.world.bolt.isThrown || l.events.some((e) => e.type === 'state' && e.to === 'unlocked') }),
    judge(l, shown) {
      const { outcome } = shown as { outcome: { allow: boolean; reason: string } };
      if (!outcome.allow) expect(outcome.reason).toBe('store-failure');
      const again = tap(l);
      // Allowed before: the use is on disk, so never again. Refused before: it opens now, once.
      expect(again).toMatchObject(outcome.allow ? { allow: false, reason: 'uses-exhausted' } : { allow: true });
    },
  },
  {
    name: 'a wrong-code count',
    run: (l) => type(l, '99999999'),
    judge(l, shown) {
      const outcome = shown as { allow: boolean; reason: string };
      if (outcome.reason === 'unknown-code') expect(l.app.local!.lockout.wrongCodes).toBe(1); // shown, so counted
      else expect(outcome.reason).toBe('store-failure');
    },
  },
  {
    name: 'a mode change',
    run: (l) => {
      const iat = Math.floor(MON_1000 / 1000);
      return l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: new Uint8Array(16).fill(0x33), iat, exp: iat + 300, action: 'set-mode', mode: 'vacation' }));
    },
    judge(l, shown) {
      const result = shown as { ok: boolean };
      if (result.ok) expect(l.app.local!.mode).toBe('vacation');
    },
  },
  {
    name: 'a grant store',
    run: (l) => l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0x44), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, '482913')] } })]),
    judge(l, shown) {
      const result = shown as { ok: boolean; reason?: string };
      if (!result.ok) expect(result.reason).toBe('store-failure');
      expect(type(l, '482913').allow).toBe(result.ok); // stored means durable, refused means not there
    },
  },
  {
    name: 'an event append',
    run: (l) => {
      l.control.setTamper(true);
      l.time.advance(200);
      l.control.setTamper(false);
      l.time.advance(200);
      return null;
    },
    judge(l, _shown, seqBefore) {
      const seqs = outboxEvents(l).map((e) => e.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(l.outbox!.next).toBeGreaterThan(seqBefore); // numbers move on, never reused
      l.control.setTamper(true);
      l.time.advance(200);
      expect(outboxEvents(l).at(-1)).toMatchObject({ type: 'alarm' }); // events flow again
    },
  },
];

describe('storage faults at every write point', () => {
  for (const op of OPERATIONS) {
    it(`${op.name}: every fault at every point, then a restart`, async () => {
      // How many writes and fsyncs the operation makes: counted, not guessed.
      const probe = new FaultyStorage();
      const p = await boot(mkdtempSync(join(tmpdir(), 'fault-matrix-')), probe);
      const start = probe.points;
      op.run(p);
      const points = probe.points - start;
      await p.close();
      lock = null;
      expect(points).toBeGreaterThan(0);
      for (const f of FAULTS) {
        for (let k = 1; k <= points; k++) {
          const storage = new FaultyStorage();
          const dir = mkdtempSync(join(tmpdir(), 'fault-matrix-'));
          const l = await boot(dir, storage);
          const seqBefore = l.outbox!.next;
          // The nth write (or fsync) of the operation, on whatever file it is, fails.
          const target = f.op === 'write' ? k : Math.ceil(k / 2);
          storage.failNth(f.op, /./, target, f.fault);
          if (f.name === 'short write') storage.failNth('write', /./, 1, { code: 'ENOSPC' }); // and it cannot continue
          const shown = op.run(l);
          storage.heal();
          await l.restart();
          op.judge(l, shown, seqBefore);
          await l.close();
          lock = null;
        }
      }
    }, 300_000);
  }
});
