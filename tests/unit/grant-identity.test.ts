// Grant identity (issue 13): a grant is (root key, issuer key, cti). An older version cannot undo
// a narrowing, and a carrier reusing an owner's grant id can neither replace it, spend its uses,
// nor be revoked in its place.
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { MemoryStore } from '../../firmware/store/store.js';
import type { Clock } from '../../hal/ports/clock.js';
import { type ClaimsInput, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const carrier = testKey('carrier-dispatch');
const phone = testKey('phone-anna');
const MONDAY = Date.parse('2026-06-01T12:00:00Z');
const SATURDAYS = [{ days: 0b0100000, start: 0, end: 1440 }];
const cti = new Uint8Array(16).fill(0x77);
const challenge = new Uint8Array(32).fill(0xcc);
const digest = (pin: string) => pinDigest(SECRET, pin);

function makeCore(now = MONDAY) {
  const clock: Clock = new ManualClock(now);
  const core = new AccessCore(
    { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] },
    { clock, random: { bytes: () => Uint8Array.from(challenge), float: () => 0.5 }, store: new MemoryStore() },
  );
  expect(core.applyHeartbeat(mintHeartbeat(owner, { time: now / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
  return core;
}
const pinGrant = (extra: Partial<ClaimsInput>) => mintGrant(owner, { aud: LOCK, cti, role: 'guest', credential: { kind: 'pin', digests: [digest('482913')] }, ...extra });
const carrierDelegation = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0x10), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 5, maxDepth: 0 } });

describe('finding: replaying an older version of a grant undid its narrowing', () => {
  it('an older iat is refused, so "Saturdays only" stays Saturdays only', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant({ iat: 100 })])).toMatchObject({ ok: true });
    expect(core.storeGrant([pinGrant({ iat: 200, schedule: SATURDAYS })])).toMatchObject({ ok: true });
    expect(core.storeGrant([pinGrant({ iat: 100 })])).toEqual({ ok: false, reason: 'grant-superseded' });
    expect(core.storeGrant([pinGrant({ iat: 200 })])).toEqual({ ok: false, reason: 'grant-superseded' }); // same iat, other bytes
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: false, reason: 'outside-schedule' });
  });

  it('the very same bytes again (a redelivery) are fine; a grant without iat is never replaced', () => {
    const core = makeCore();
    const v1 = pinGrant({});
    expect(core.storeGrant([v1])).toMatchObject({ ok: true });
    expect(core.storeGrant([v1])).toMatchObject({ ok: true });
    expect(core.storeGrant([pinGrant({ schedule: SATURDAYS })])).toEqual({ ok: false, reason: 'grant-superseded' });
  });

  it('a presented older version is refused once a newer one is held', () => {
    const core = makeCore();
    const old = mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: phone.publicKey, iat: 100 });
    expect(core.storeGrant([mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: phone.publicKey, iat: 200, schedule: SATURDAYS })])).toMatchObject({ ok: true });
    core.issueChallenge();
    expect(core.decide(present([old], phone, LOCK, challenge, cti))).toMatchObject({ allow: false, reason: 'grant-superseded' });
  });
});

describe('finding: a carrier could delete or shadow an owner\'s grant by reusing its id', () => {
  const carrierGrant = (extra: Partial<ClaimsInput> = {}) => mintGrant(carrier, { aud: LOCK, cti, role: 'delivery', maxUses: 1, ...extra });

  it('the carrier\'s grant with the owner\'s cti is a different grant: the owner\'s PIN keeps working', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant({ iat: 100 })])).toMatchObject({ ok: true });
    const stored = core.storeGrant([carrierDelegation, carrierGrant({ iat: 900, credential: { kind: 'pin', digests: [digest('111111')] } })]);
    expect(stored).toMatchObject({ ok: true });
    expect(stored.ok && stored.id).not.toBe(Buffer.from(cti).toString('hex'));
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: true, grant: { role: 'guest' } });
    expect(core.decideCredential(digest('111111'), 'pin')).toMatchObject({ allow: true, grant: { role: 'delivery' } });
  });

  it('nor can it carry the owner\'s PIN digest to shadow it', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant({})])).toMatchObject({ ok: true });
    expect(core.storeGrant([carrierDelegation, carrierGrant({ cti: new Uint8Array(16).fill(9), credential: { kind: 'pin', digests: [digest('482913')] } })])).toEqual({ ok: false, reason: 'credential-taken' });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: true, grant: { role: 'guest' } });
  });

  it('uses are counted per identity: the carrier\'s grants do not spend the owner\'s one-time PIN', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant({ maxUses: 1 })])).toMatchObject({ ok: true });
    // The carrier's PIN grant reuses the owner's cti; its phone grant is the same one the carrier minted twice.
    expect(core.storeGrant([carrierDelegation, carrierGrant({ credential: { kind: 'pin', digests: [digest('111111')] } })])).toMatchObject({ ok: true });
    expect(core.decideCredential(digest('111111'), 'pin')).toMatchObject({ allow: true, grant: { role: 'delivery' } });
    expect(core.decideCredential(digest('111111'), 'pin')).toMatchObject({ allow: false, reason: 'uses-exhausted' });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: true, grant: { role: 'guest' } });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: false, reason: 'uses-exhausted' });
  });

  it('the carrier\'s phone grant with the owner\'s cti does not spend the owner\'s one-time PIN either', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant({ maxUses: 1 })])).toMatchObject({ ok: true });
    core.issueChallenge();
    expect(core.decide(present([carrierDelegation, carrierGrant({ holderKey: phone.publicKey })], phone, LOCK, challenge, cti))).toMatchObject({ allow: true });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: true });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: false, reason: 'uses-exhausted' });
  });

  it('revocation by grant id follows the identity: revoking the carrier\'s grant leaves the owner\'s', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant({})])).toMatchObject({ ok: true });
    const chain = [carrierDelegation, carrierGrant({ holderKey: phone.publicKey, maxUses: 5 })];
    core.issueChallenge();
    const first = core.decide(present(chain, phone, LOCK, challenge, cti));
    expect(first).toMatchObject({ allow: true });
    const carrierId = Uint8Array.from(Buffer.from(first.grant!.id, 'hex'));
    expect(core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: MONDAY / 1000, grants: [carrierId] }), false)).toEqual({ ok: true, seq: 1 });
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: MONDAY / 1000, seq: 1, aud: LOCK }), false).ok).toBe(true);
    core.issueChallenge();
    expect(core.decide(present(chain, phone, LOCK, challenge, cti))).toMatchObject({ allow: false, reason: 'revoked-grant' });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: true, grant: { role: 'guest' } });
  });

  it('the same carrier grant under two owner keys has two ids (the id of a verified link is kept per root)', () => {
    const second = testKey('second-owner');
    const core = new AccessCore(
      { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey, second.publicKey] },
      { clock: new ManualClock(MONDAY), random: { bytes: () => Uint8Array.from(challenge), float: () => 0.5 }, store: new MemoryStore() },
    );
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: MONDAY / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
    const leaf = carrierGrant({ holderKey: phone.publicKey, maxUses: 5 });
    const viaSecond = mintGrant(second, { aud: LOCK, cti: new Uint8Array(16).fill(0x20), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 5, maxDepth: 0 } });
    const decideVia = (delegation: Uint8Array) => {
      core.issueChallenge();
      return core.decide(present([delegation, leaf], phone, LOCK, challenge, cti));
    };
    const first = decideVia(carrierDelegation);
    const other = decideVia(viaSecond);
    expect(first).toMatchObject({ allow: true });
    expect(other).toMatchObject({ allow: true });
    expect(other.grant!.id).not.toBe(first.grant!.id);
    // Revoking the grant under the first owner key leaves it working under the second.
    const revoked = Uint8Array.from(Buffer.from(first.grant!.id, 'hex'));
    expect(core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: MONDAY / 1000, grants: [revoked] }), false)).toEqual({ ok: true, seq: 1 });
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: MONDAY / 1000, seq: 1, aud: LOCK }), false).ok).toBe(true);
    expect(decideVia(carrierDelegation)).toMatchObject({ allow: false, reason: 'revoked-grant' });
    expect(decideVia(viaSecond)).toMatchObject({ allow: true, grant: { id: other.grant!.id } });
  });

  it('among several owner keys, one cannot replace another\'s grant with the same id', () => {
    const second = testKey('second-owner');
    const clock: Clock = new ManualClock(MONDAY);
    const core = new AccessCore(
      { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey, second.publicKey] },
      { clock, random: { bytes: () => Uint8Array.from(challenge), float: () => 0.5 }, store: new MemoryStore() },
    );
    expect(core.storeGrant([pinGrant({ iat: 100, schedule: SATURDAYS })])).toMatchObject({ ok: true });
    expect(core.storeGrant([mintGrant(second, { aud: LOCK, cti, role: 'guest', iat: 900, credential: { kind: 'pin', digests: [digest('482913')] } })])).toEqual({ ok: false, reason: 'grant-id-taken' });
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: false, reason: 'outside-schedule' });
  });
});
