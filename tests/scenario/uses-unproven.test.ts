// Both copies of the access journal damaged while the lock was off, through the device's boot path:
// use records may be lost, so a use-limited credential issued before the damage cannot be proven
// unspent. It is refused (`uses-unproven`) at the reader and the keypad, offline single-use codes
// too, until the owner re-issues it or acknowledges the damage; the owner and unlimited codes open.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { offlineCode, pinDigest } from '../../firmware/keypad/codes.js';
import { type KeyPair, mintCommand, mintGrant, mintHeartbeat, present, testKey } from '../../tools/lib/mint.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { outboxEvents, type SimLock, startSimLock } from '../helpers/sim-lock.js';
import { FRONT_DOOR_START } from '../helpers/sim-lock-each.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const anna = testKey('phone-anna');
const LIMITED_PIN = '482913';
const OPEN_PIN = '135790';
const cti = (n: number) => new Uint8Array(16).fill(n);

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});
const boot = async (stateDir: string, startMs: number, storage?: FaultyStorage) =>
  (lock = await startSimLock({ startMs, storage, config: { autoRelockMs: 5_000 }, access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: SECRET, stateDir } }));

const lastAccess = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access').at(-1)!;
function type(l: SimLock, code: string) {
  l.time.advance(l.control.typeKeys(`${code}#`) + 1500);
  const last = lastAccess(l);
  l.time.advance(8_000); // relocked
  return last;
}
function tap(l: SimLock, grant: Uint8Array, holder: KeyPair, n: number) {
  l.control.tapPhone({ respond: (challenge) => present([grant], holder, LOCK, challenge, cti(n)) });
  l.time.advance(1500);
  const last = lastAccess(l);
  l.time.advance(8_000);
  return last;
}

it('use-limited credentials issued before the damage are uses-unproven until re-issued or acknowledged; the owner and unlimited codes open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'unproven-'));
  const issued = Math.floor(FRONT_DOOR_START / 1000) - 3600;
  const annaGrant = (iat: number) => mintGrant(owner, { aud: LOCK, cti: cti(1), role: 'guest', holderKey: anna.publicKey, maxUses: 3, iat });
  const pin = (n: number, code: string, extra: object) => mintGrant(owner, { aud: LOCK, cti: cti(n), role: 'guest', credential: { kind: 'pin', digests: [pinDigest(SECRET, code)] }, iat: issued, ...extra });
  const ownerGrant = mintGrant(owner, { aud: LOCK, cti: cti(4), role: 'owner', holderKey: owner.publicKey, maxUses: 100, iat: issued });
  const single = offlineCode(SECRET, LOCK, FRONT_DOOR_START, 6); // single use, a day

  const first = await boot(dir, FRONT_DOOR_START);
  expect(first.core!.applyHeartbeat(mintHeartbeat(owner, { time: issued + 3600, seq: 0, aud: LOCK })).ok).toBe(true);
  for (const grant of [annaGrant(issued), pin(2, LIMITED_PIN, { maxUses: 3 }), pin(3, OPEN_PIN, {})]) expect(first.core!.storeGrant([grant]).ok).toBe(true);
  expect(tap(first, annaGrant(issued), anna, 1)).toMatchObject({ allow: true });
  expect(type(first, LIMITED_PIN)).toMatchObject({ allow: true });
  await first.close();
  lock = null;
  for (const name of ['journal', 'journal.mirror']) {
    const bytes = readFileSync(join(dir, name));
    bytes[6]! ^= 0x5a; // the first record of each copy: records may be lost from both
    writeFileSync(join(dir, name), bytes);
  }

  const storage = new FaultyStorage();
  const l = await boot(dir, FRONT_DOOR_START + 3_600_000, storage);
  expect(outboxEvents(l).filter((e) => e.type === 'state-damaged').map((e) => String(e.data.get('file')))).toEqual(['journal', 'journal.mirror']);
  expect(tap(l, annaGrant(issued), anna, 1)).toMatchObject({ allow: false, reason: 'uses-unproven', grant: '01'.repeat(16) });
  expect(type(l, LIMITED_PIN)).toMatchObject({ allow: false, reason: 'uses-unproven' });
  expect(type(l, single)).toMatchObject({ kind: 'offline-code', allow: false, reason: 'uses-unproven' });
  expect(l.app.local!.lockout.wrongCodes).toBe(0); // a known code, not a guess
  expect(type(l, OPEN_PIN)).toMatchObject({ allow: true });
  expect(tap(l, ownerGrant, owner, 4)).toMatchObject({ allow: true, role: 'owner' });

  // The owner re-issues Anna's grant: a version issued after the damage counts its uses afresh.
  const reissued = annaGrant(Math.ceil(l.time.now() / 1000));
  expect(l.core!.storeGrant([reissued]).ok).toBe(true);
  expect(tap(l, reissued, anna, 1)).toMatchObject({ allow: true });

  // The owner acknowledges the damage: what was issued before is trusted again. An acknowledgement
  // the card cannot write is refused (store-failure), and changes nothing.
  const now = Math.floor(l.time.now() / 1000);
  storage.failNth('write', /journal/, 3, { code: 'EIO' }); // the nonce's two copies go through, the acknowledgement does not
  expect(l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: cti(8), iat: now, exp: now + 60, action: 'acknowledge-damage' }))).toEqual({ ok: false, reason: 'store-failure' });
  storage.heal();
  expect(type(l, LIMITED_PIN)).toMatchObject({ allow: false, reason: 'uses-unproven' });
  expect(l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: cti(9), iat: now, exp: now + 60, action: 'acknowledge-damage' }))).toEqual({ ok: true, action: 'acknowledge-damage' });
  expect(type(l, LIMITED_PIN)).toMatchObject({ allow: true });
  expect(type(l, single)).toMatchObject({ allow: true });
  expect(l.app.local!.lockout.wrongCodes).toBe(0);
});
