// Rules the review found no test for (issue 13), on the simulated board: passage mode refuses a
// supervised visit, and a use is committed durably before the bolt moves, so a storage fault
// refuses (`store-failure`) instead of opening.
import { describe, expect, it } from 'vitest';
import type { AccessCore } from '../../firmware/access/core.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { type AccessStore, StoreError } from '../../firmware/store/store.js';
import { mintCommand, mintGrant, mintHeartbeat } from '../../tools/lib/mint.js';
import { DELIVERY_CONFIG, LOCK, MON_1000, owner, phone, SECRET, visit, watch, ZONE } from '../helpers/delivery.js';
import type { SimLock } from '../helpers/sim-lock.js';
import { locksClosedAfterEach } from '../helpers/sim-lock-each.js';

const startLock = locksClosedAfterEach();

async function start() {
  const lock = await startLock({
    startMs: MON_1000,
    config: { autoRelockMs: 30_000, delivery: DELIVERY_CONFIG },
    access: { lockId: LOCK, timeZone: ZONE, ownerKeys: [owner.publicKey], keypadSecret: SECRET },
  });
  expect(lock.core!.applyHeartbeat(mintHeartbeat(owner, { time: MON_1000 / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
  return lock;
}
const access = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access');
/** The store under the core (fault injection: the disk goes away). */
const storeOf = (core: AccessCore) => (core as unknown as { deps: { store: AccessStore } }).deps.store;

describe('passage mode', () => {
  it('refuses a supervised visit: a door held open cannot be relocked after it', async () => {
    const l = await start();
    const iat = MON_1000 / 1000;
    expect(l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: new Uint8Array(16).fill(0xee), iat, exp: iat + 60, action: 'set-mode', mode: 'passage' }))).toEqual({ ok: true, action: 'set-mode' });
    watch(l, 2_000);
    l.control.tapPhone(phone(visit()));
    watch(l, 3_000);
    expect(access(l).at(-1)).toMatchObject({ via: 'reader', allow: false, reason: 'refused-by-mode', role: 'delivery' });
    expect(l.world.camera!.triggers).toBe(0);
  });
});

describe('uses are committed before the bolt moves', () => {
  it('a storage fault when the use is committed refuses with store-failure and the bolt stays thrown', async () => {
    const l = await start();
    expect(l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0x51), role: 'resident', maxUses: 3, credential: { kind: 'pin', digests: [pinDigest(SECRET, '246810')] } })]).ok).toBe(true);
    const store = storeOf(l.core!);
    store.commitUse = () => {
      throw new StoreError('cannot append to the journal'); // what FileStore throws when the write or fsync fails
    };
    let moved = false;
    const watchBolt = () => (moved ||= l.world.bolt.drive !== 'stop');
    l.control.typeKeys('246810#');
    watch(l, 3_000, watchBolt);
    expect(access(l).at(-1)).toMatchObject({ via: 'keypad', allow: false, reason: 'store-failure' });
    expect(moved).toBe(false);
    expect(l.world.bolt.isThrown).toBe(true);
  });
});
