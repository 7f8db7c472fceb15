// Stored grants are verified again after a boot, a batch at a time after ready, not before it; a
// look-up in the meantime verifies first the waiting grants it could find, so nothing is judged
// against an unverified grant and nothing waiting is shadowed or bypassed.
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { seededRandom } from '../../hal/node/random.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { mintGrant, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');
const owner = testKey('owner');
const phone = testKey('phone');
const digest = (n: number) => new Uint8Array(32).fill(n);
const cti = (n: number) => new Uint8Array(16).fill(n);
const challenge = new Uint8Array(32).fill(7);

function coreOn(store: MemoryStore): { core: AccessCore; dropped: { id: string; reason: string }[] } {
  const random: RandomSource = { ...seededRandom(1), bytes: (n) => (n === 32 ? challenge : seededRandom(2).bytes(n)) };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: new ManualClock(NOW), random, store });
  const dropped: { id: string; reason: string }[] = [];
  core.events.on('grant-dropped', (e) => dropped.push(e));
  return { core, dropped };
}

const pin = (n: number, extra: object = {}) => mintGrant(owner, { aud: LOCK, cti: cti(n), role: 'resident', credential: { kind: 'pin', digests: [digest(n)] }, ...extra });

describe('stored grants after a boot', () => {
  it('are verified after construction, a batch at a time; one revoked meanwhile is dropped from storage with an event', () => {
    const store = new MemoryStore();
    const first = coreOn(store).core;
    for (let n = 1; n <= 5; n++) expect(first.storeGrant([pin(n)]).ok).toBe(true);
    expect(first.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: [cti(3)] })).ok).toBe(true);
    const { core, dropped } = coreOn(store);
    expect(dropped).toEqual([]); // nothing verified while booting
    expect(core.verifyStoredGrants(2)).toBe(3);
    expect(core.verifyStoredGrants()).toBe(0);
    expect(dropped).toEqual([{ id: '03'.repeat(16), reason: 'revoked-grant' }]);
    expect(store.loadGrants().size).toBe(4);
    expect(coreOn(store).core.grants.size).toBe(4);
  });

  it('a code entered before its grant was verified again opens; a revoked one is dropped when looked up', () => {
    const store = new MemoryStore();
    const first = coreOn(store).core;
    for (let n = 1; n <= 3; n++) expect(first.storeGrant([pin(n)]).ok).toBe(true);
    expect(first.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: [cti(2)] })).ok).toBe(true);
    const { core, dropped } = coreOn(store);
    expect(core.decideCredential(digest(1), 'pin')).toMatchObject({ allow: true, grant: { id: '01'.repeat(16) } });
    expect(core.decideCredential(digest(2), 'pin')).toMatchObject({ allow: false, reason: 'unknown-code' });
    expect(dropped).toEqual([{ id: '02'.repeat(16), reason: 'revoked-grant' }]);
    expect(core.verifyStoredGrants()).toBe(0);
    expect(dropped).toHaveLength(1);
  });

  it('an older version presented while the newer one waits is superseded', () => {
    const store = new MemoryStore();
    const base = { aud: LOCK, cti: cti(9), role: 'resident' as const, holderKey: phone.publicKey };
    const older = mintGrant(owner, { ...base, iat: NOW / 1000 - 60 });
    expect(coreOn(store).core.storeGrant([mintGrant(owner, { ...base, iat: NOW / 1000 })]).ok).toBe(true);
    const { core } = coreOn(store);
    core.issueChallenge();
    expect(core.decide(present([older], phone, LOCK, challenge, cti(9)))).toMatchObject({ allow: false, reason: 'grant-superseded' });
  });

  it('a new grant cannot take a code, or the id, of a grant still waiting to be verified', () => {
    const store = new MemoryStore();
    expect(coreOn(store).core.storeGrant([pin(1, { iat: NOW / 1000 })]).ok).toBe(true);
    const { core } = coreOn(store);
    const thief = mintGrant(owner, { aud: LOCK, cti: cti(4), role: 'guest', credential: { kind: 'pin', digests: [digest(1)] } });
    expect(core.storeGrant([thief])).toEqual({ ok: false, reason: 'credential-taken' });
    const again = coreOn(store).core;
    expect(again.storeGrant([pin(1, { iat: NOW / 1000 - 60 })])).toEqual({ ok: false, reason: 'grant-superseded' });
  });
});
