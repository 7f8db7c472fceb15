// Rules of the access core the mutation probe found unguarded (tools/mutations.ts names each): the
// proof's binding to its grant, use limits checked and committed all or nothing, the expiry and
// damage boundaries, and what an owner key on the issuers list revokes. Each test fails when its rule is deleted.
import { describe, expect, it } from 'vitest';
import { ChallengeBook } from '../../firmware/access/challenges.js';
import { AccessCore, DEFAULT_ACCESS, type UseClaim } from '../../firmware/access/core.js';
import { MemoryStore, StoreError } from '../../firmware/store/store.js';
import { seededRandom } from '../../hal/node/random.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');
const owner = testKey('owner');
const phone = testKey('phone');
const cti = (n: number) => new Uint8Array(16).fill(n);
const challenge = new Uint8Array(32).fill(7);

/** A store whose uses count as unproven since `since` (both journal copies were found damaged then). */
class DamagedStore extends MemoryStore {
  constructor(private readonly since: number) {
    super();
  }
  override usesUnprovenSince(): number | null {
    return this.since;
  }
}

function coreOn(store = new MemoryStore(), clock = new ManualClock(NOW)) {
  const random: RandomSource = { ...seededRandom(1), bytes: (n) => (n === 32 ? challenge : seededRandom(2).bytes(n)) };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random, store });
  expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
  return { core, store, clock };
}

/** Present `grant` (cti `n`) with a proof over the lock's challenge, optionally naming another cti. */
function tap(core: AccessCore, grant: Uint8Array, n: number, proofCti = cti(n), deferUses = false) {
  core.issueChallenge();
  return core.decide(present([grant], phone, LOCK, challenge, proofCti), { deferUses });
}

const phoneGrant = (n: number, extra: object = {}) => mintGrant(owner, { aud: LOCK, cti: cti(n), role: 'guest', holderKey: phone.publicKey, ...extra });

describe('the holder proof is bound to the grant it is presented with', () => {
  it('a proof naming another grant (same holder key) is refused as bad-proof', () => {
    const { core } = coreOn();
    expect(tap(core, phoneGrant(1), 1, cti(2))).toMatchObject({ allow: false, reason: 'bad-proof' });
    expect(tap(core, phoneGrant(1), 1)).toMatchObject({ allow: true });
  });
});

describe('use limits', () => {
  it('a deferred decision on a used-up grant is already uses-exhausted (nothing waits for the camera)', () => {
    const { core } = coreOn();
    const once = phoneGrant(3, { maxUses: 1 });
    expect(tap(core, once, 3)).toMatchObject({ allow: true });
    expect(tap(core, once, 3, cti(3), true)).toMatchObject({ allow: false, reason: 'uses-exhausted' });
  });

  it('commits all of a decision\'s uses or none: one used up leaves the others unspent', () => {
    const { core, store } = coreOn();
    const fresh: UseClaim = { key: cti(4), max: 1 };
    const spent: UseClaim = { key: cti(5), max: 1 };
    expect(core.commitUses([spent])).toBe(true);
    expect(core.commitUses([fresh, spent])).toBe(false);
    expect(store.usesOf(fresh.key)).toBe(0);
  });
});

describe('a pushed grant is kept only once it is on stable storage', () => {
  it('a grant the store cannot save is refused as store-failure and not held (the broker sends it again)', () => {
    const store = new MemoryStore();
    store.saveGrant = () => {
      throw new StoreError('cannot store grant'); // a full card
    };
    const { core } = coreOn(store);
    const digest = new Uint8Array(32).fill(0x33);
    const grant = mintGrant(owner, { aud: LOCK, cti: cti(14), role: 'guest', credential: { kind: 'pin', digests: [digest] } });
    expect(core.storeGrant([grant])).toEqual({ ok: false, reason: 'store-failure' });
    expect(core.decideCredential(digest, 'pin')).toMatchObject({ allow: false, reason: 'unknown-code' });
    expect(core.grants.size).toBe(0);
  });
});

describe('a revocation list is acknowledged only once it is on stable storage', () => {
  it('a list whose save failed is saved when the same list comes again (not taken as already held)', () => {
    const store = new MemoryStore();
    const save = store.saveSnapshot.bind(store);
    let failing = true;
    store.saveSnapshot = (name, bytes) => {
      if (failing && name === 'revocations') throw new StoreError('cannot save revocations snapshot');
      save(name, bytes);
    };
    const { core } = coreOn(store);
    const list = mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: [cti(15)] });
    expect(core.applyRevocations(list)).toEqual({ ok: false, reason: 'store-failure' });
    expect(tap(core, phoneGrant(15), 15)).toMatchObject({ allow: false, reason: 'revoked-grant' }); // enforced at once
    failing = false;
    expect(core.applyRevocations(list)).toEqual({ ok: true, seq: 1 });
    expect(store.loadSnapshot('revocations')).toEqual(list);
  });
});

describe('heartbeats and commands', () => {
  it('a heartbeat that cannot be saved is refused and not applied', () => {
    const store = new MemoryStore();
    const { core } = coreOn(store);
    store.saveSnapshot = () => {
      throw new StoreError('cannot save heartbeat snapshot');
    };
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000 + 30, seq: 4, aud: LOCK }))).toEqual({ ok: false, reason: 'store-failure' });
    expect(core.lastHeartbeat).toMatchObject({ time: NOW / 1000, seq: 0 });
  });

  it('a heartbeat ahead of a slow clock raises trusted time to it, however little ahead', () => {
    const { core } = coreOn();
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000 + 2, seq: 0, aud: LOCK })).ok).toBe(true);
    expect(core.now()).toBe(NOW + 2_000); // within the set-back tolerance: still never below the floor
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000 + 3600, seq: 0, aud: LOCK })).ok).toBe(true);
    expect(core.now()).toBe(NOW + 3_600_000);
  });

  it('a command whose nonce cannot be kept is refused as store-failure (it must not act, or it could be replayed)', () => {
    const store = new MemoryStore();
    store.keepNonce = () => {
      throw new StoreError('cannot append to the journal');
    };
    const { core } = coreOn(store);
    const command = mintCommand(owner, { aud: LOCK, nonce: cti(16), iat: NOW / 1000, exp: NOW / 1000 + 60, action: 'unlock' });
    expect(core.verifyCommand(command)).toEqual({ ok: false, reason: 'store-failure' });
  });
});

describe('remote commands: this lock, within their lifetime', () => {
  const command = (n: number, c: { aud?: string; iat: number; exp: number }) => mintCommand(owner, { aud: c.aud ?? LOCK, nonce: cti(n), iat: c.iat, exp: c.exp, action: 'unlock' });
  const now = NOW / 1000;
  const skew = DEFAULT_ACCESS.clockSkewS;

  it('a command for another lock is wrong-lock', () => {
    const { core } = coreOn();
    expect(core.verifyCommand(command(17, { aud: 'back-door', iat: now, exp: now + 60 }))).toEqual({ ok: false, reason: 'wrong-lock' });
  });

  it('a command is expired from its exp on (less the skew), and not valid before its iat (less the skew)', () => {
    const { core } = coreOn();
    expect(core.verifyCommand(command(18, { iat: now - skew - 60, exp: now - skew }))).toEqual({ ok: false, reason: 'expired' });
    expect(core.verifyCommand(command(19, { iat: now - skew - 59, exp: now - skew + 1 }))).toMatchObject({ ok: true });
    expect(core.verifyCommand(command(20, { iat: now + skew + 1, exp: now + skew + 61 }))).toEqual({ ok: false, reason: 'not-yet-valid' });
    expect(core.verifyCommand(command(21, { iat: now + skew, exp: now + skew + 60 }))).toMatchObject({ ok: true });
  });
});

describe('challenges: fresh, exact, bounded', () => {
  it('a proof over a challenge older than 30 s is challenge-expired', () => {
    const { core, clock } = coreOn();
    core.issueChallenge();
    clock.advance(30_001);
    expect(core.decide(present([phoneGrant(22)], phone, LOCK, challenge, cti(22)))).toMatchObject({ allow: false, reason: 'challenge-expired' });
  });

  it('a challenge is matched on all its bytes, not only the ones it is filed under', () => {
    const { core } = coreOn();
    core.issueChallenge();
    const near = Uint8Array.from(challenge);
    near[31]! ^= 1;
    expect(core.decide(present([phoneGrant(23)], phone, LOCK, near, cti(23)))).toMatchObject({ allow: false, reason: 'challenge-unknown' });
  });

  it('at most 64 are outstanding: issuing more forgets the oldest', () => {
    const book = new ChallengeBook(new ManualClock(NOW), seededRandom(5));
    const first = book.issue();
    for (let i = 0; i < 64; i++) book.issue();
    const last = book.issue();
    expect(book.take(first)).toBe('challenge-unknown');
    expect(book.take(last)).toBeNull();
  });
});

describe('command nonces are kept as long as the command could still be accepted', () => {
  it('a command replayed inside the clock skew after its exp is still refused, after other commands pruned old nonces', () => {
    const { core, clock } = coreOn();
    const now = NOW / 1000;
    const first = mintCommand(owner, { aud: LOCK, nonce: cti(24), iat: now, exp: now + 60, action: 'unlock' });
    expect(core.verifyCommand(first)).toMatchObject({ ok: true });
    clock.advance(90_000); // past exp, inside exp + 60 s of skew: still acceptable
    expect(core.verifyCommand(mintCommand(owner, { aud: LOCK, nonce: cti(25), iat: now + 90, exp: now + 150, action: 'lock' }))).toMatchObject({ ok: true });
    expect(core.verifyCommand(first)).toEqual({ ok: false, reason: 'replayed' });
  });
});

describe('boundaries', () => {
  it('a grant is expired from its exp on (less the skew), not one second later', () => {
    const { core } = coreOn();
    const exp = NOW / 1000 - DEFAULT_ACCESS.clockSkewS;
    expect(tap(core, phoneGrant(6, { exp }), 6)).toMatchObject({ allow: false, reason: 'expired' });
    expect(tap(core, phoneGrant(7, { exp: exp + 1 }), 7)).toMatchObject({ allow: true });
  });

  it('after damage, a use-limited grant issued at the damage time or later counts as proven; one issued before is uses-unproven', () => {
    const { core } = coreOn(new DamagedStore(NOW - 60_000));
    expect(tap(core, phoneGrant(8, { maxUses: 5, iat: NOW / 1000 - 61 }), 8)).toMatchObject({ allow: false, reason: 'uses-unproven' });
    expect(tap(core, phoneGrant(9, { maxUses: 5, iat: NOW / 1000 - 60 }), 9)).toMatchObject({ allow: true });
    expect(tap(core, phoneGrant(10, { maxUses: 5 }), 10)).toMatchObject({ allow: false, reason: 'uses-unproven' }); // no iat: never proven
    expect(tap(core, phoneGrant(11), 11)).toMatchObject({ allow: true }); // no use limit: nothing to prove
    const own = mintGrant(owner, { aud: LOCK, cti: cti(12), role: 'owner', holderKey: phone.publicKey, maxUses: 5 });
    expect(tap(core, own, 12)).toMatchObject({ allow: true }); // a bad SD card never locks the owner out
  });
});

describe('revocation of issuers', () => {
  it('an owner key on the issuers list revokes only links it signed below the root: the owner\'s own grants stay valid', () => {
    const { core } = coreOn();
    expect(core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, issuers: [owner.publicKey] })).ok).toBe(true);
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 1, aud: LOCK })).ok).toBe(true);
    expect(tap(core, phoneGrant(13), 13)).toMatchObject({ allow: true });
  });
});
