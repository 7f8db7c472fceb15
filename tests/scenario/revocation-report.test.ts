// A revocation list's outcome event goes out after the PUBACK (off the critical path) and is never
// lost: if the lock dies between the acknowledgement and the event reaching the outbox, the next boot
// appends it (at least once). Through the device's boot path on a real state directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mintRevocations, testKey } from '../../tools/lib/mint.js';
import { outboxEvents, type SimLock, startSimLock } from '../helpers/sim-lock.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const MON_1000 = Date.parse('2026-06-01T08:00:00Z');
const S = Math.floor(MON_1000 / 1000);

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

const boot = async (stateDir: string, startMs = MON_1000) =>
  (lock = await startSimLock({ startMs, access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: new Uint8Array(32).fill(0x42), stateDir } }));
const reports = (l: SimLock) => outboxEvents(l).filter((e) => e.type === 'revocations').map((e) => Object.fromEntries(e.data));
const restart = async (dir: string, startMs: number) => {
  await lock!.close();
  lock = null;
  return boot(dir, startMs);
};

describe('the outcome event of a revocation list', () => {
  it('comes after the acknowledgement; lost to a crash right after it, the next boot appends it, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    let l = await boot(dir);
    const afterAck = l.running.inbound!.revocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: S, grants: [new Uint8Array(16).fill(1)] }));
    expect(l.core!.revocationSeq).toBe(1); // enforced and saved: the PUBACK would go now
    expect(reports(l)).toEqual([]); // the event waits for the PUBACK
    expect(afterAck).toBeTypeOf('function');
    // The lock dies before the work after the PUBACK runs.
    l = await restart(dir, MON_1000 + 60_000);
    expect(l.core!.revocationSeq).toBe(1);
    expect(reports(l)).toEqual([{ ok: true, seq: 1 }]);
    l = await restart(dir, MON_1000 + 120_000);
    expect(reports(l)).toEqual([{ ok: true, seq: 1 }]); // still pending (no broker), not appended again
  });

  it('reported in the normal way, it is not appended again at boot; a lost note only repeats it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    let l = await boot(dir);
    l.running.inbound!.revocations(mintRevocations(owner, { seq: 2, aud: LOCK, iat: S, grants: [] }))!();
    expect(reports(l)).toEqual([{ ok: true, seq: 2 }]);
    l = await restart(dir, MON_1000 + 60_000);
    expect(reports(l)).toEqual([{ ok: true, seq: 2 }]);
    await lock!.close();
    lock = null;
    rmSync(join(dir, 'revocations.reported'));
    l = await boot(dir, MON_1000 + 120_000);
    expect(reports(l)).toEqual([{ ok: true, seq: 2 }, { ok: true, seq: 2 }]); // at least once: twice, never not
  });
});
