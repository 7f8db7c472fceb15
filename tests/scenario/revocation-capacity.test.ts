// The lock's revocation capacity (config `maxRevocationEntries`, default 32,000), through the
// device's boot path: a lock configured for more keeps a longer list across a restart (verified
// again from its state directory), and the same list on a lock left at the default is refused
// as too large, reported as damage, never half applied. Once the stored grants are verified again
// after ready, the lock logs what it holds (grants-verified: what the memory bench waits for).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseLockConfig } from '../../firmware/config.js';
import { mintGrant, mintRevocations, testKey } from '../../tools/lib/mint.js';
import { settle, type SimLock, startSimLock } from '../helpers/sim-lock.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const NOW = Date.parse('2026-06-01T08:00:00Z');
const ids = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.from(Buffer.alloc(16).fill(i & 0xff, 0, 8).fill(i >> 8, 8)));

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

const boot = async (stateDir: string, maxRevocationEntries?: number) =>
  (lock = await startSimLock({
    startMs: NOW,
    config: maxRevocationEntries ? { maxRevocationEntries } : {},
    access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: new Uint8Array(32).fill(0x42), stateDir },
  }));

describe('revocation capacity from the lock config', () => {
  it('a lock configured for 40,000 entries applies and keeps a 40,000-entry list; at the default the same list is refused', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lock-capacity-'));
    const list = mintRevocations(owner, { seq: 3, aud: LOCK, iat: NOW / 1000, grants: ids(40_000) });
    const big = await boot(stateDir, 40_000);
    expect(big.app.core!.applyRevocations(list)).toEqual({ ok: true, seq: 3 });
    expect(big.app.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0xee), role: 'guest', exp: NOW / 1000 + 86_400, credential: { kind: 'pin', digests: [new Uint8Array(32).fill(9)] } })])).toMatchObject({ ok: true });
    await big.restart();
    expect(big.app.core!.revocationSeq).toBe(3); // verified again from the state directory at boot
    // Once its stored grants are verified again (after ready), the lock says what it holds.
    const verified = () => big.logLines.find((line) => line.includes('"event":"grants-verified"'));
    await settle(new Promise<void>((resolve) => { const check = () => (verified() ? resolve() : setImmediate(check)); check(); }), big.time);
    expect(JSON.parse(verified()!)).toMatchObject({ grants: 1, revocationSeq: 3 });
    await big.close();
    lock = null;

    const small = await boot(stateDir);
    expect(small.app.core!.revocationSeq).toBe(0);
    expect(small.app.core!.damagedSnapshots).toEqual([{ file: 'revocations.a', reason: 'too-large' }]);
    expect(small.app.core!.applyRevocations(list)).toEqual({ ok: false, reason: 'too-large' });
  }, 60_000);

  it('the setting is validated: a whole number from 1,000 to 1,000,000, the field named', () => {
    expect(parseLockConfig({ maxRevocationEntries: 100_000 }).maxRevocationEntries).toBe(100_000);
    expect(parseLockConfig({}).maxRevocationEntries).toBeUndefined();
    for (const bad of [999, 1_000_001, 40_000.5, '40000']) {
      expect(() => parseLockConfig({ maxRevocationEntries: bad })).toThrow(ConfigError);
      expect(() => parseLockConfig({ maxRevocationEntries: bad })).toThrow(/^config: maxRevocationEntries: /);
    }
  });
});
