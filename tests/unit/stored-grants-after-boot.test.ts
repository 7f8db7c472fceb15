// Stored grants are verified again after a boot, a batch at a time after ready, not before it; a
// look-up in the meantime verifies first the waiting grants it could find, so nothing is judged
// against an unverified grant and nothing waiting is shadowed or bypassed.
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../firmware/store/file-store.js';
import { type AccessStore, MemoryStore, StoreError } from '../../firmware/store/store.js';
import { nodeStorage } from '../../hal/node/storage.js';
import type { Storage } from '../../hal/ports/storage.js';
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

function coreOn(store: AccessStore): { core: AccessCore; dropped: { id: string; reason: string }[] } {
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

  it('a newer version filed under a key of an older id rule still supersedes an older one, presented or pushed again', () => {
    const base = { aud: LOCK, cti: cti(9), role: 'resident' as const, holderKey: phone.publicKey };
    const newer = mintGrant(owner, { ...base, iat: NOW / 1000, credential: { kind: 'pin', digests: [digest(2)] } });
    const older = mintGrant(owner, { ...base, iat: NOW / 1000 - 60, credential: { kind: 'pin', digests: [digest(1)] } });
    const legacy = () => {
      const store = new MemoryStore();
      store.saveGrant('legacy-key-09', [newer]); // filed by an older id rule
      return store;
    };
    const { core } = coreOn(legacy());
    core.issueChallenge();
    expect(core.decide(present([older], phone, LOCK, challenge, cti(9)))).toMatchObject({ allow: false, reason: 'grant-superseded' });
    const again = coreOn(legacy()).core;
    expect(again.storeGrant([older])).toMatchObject({ ok: false, reason: 'grant-superseded' });
    expect(again.decideCredential(digest(1), 'pin')).toMatchObject({ allow: false });
  });

  it("a grants file the card cannot read: the owner's own phone still opens, a stored code is refused as store-failure", () => {
    const store = new MemoryStore();
    expect(coreOn(store).core.storeGrant([pin(1)]).ok).toBe(true);
    store.loadGrants = () => {
      throw new StoreError('cannot read the grants file'); // what FileStore throws on EIO
    };
    const { core } = coreOn(store);
    core.issueChallenge();
    const own = mintGrant(owner, { aud: LOCK, cti: cti(7), role: 'owner', holderKey: phone.publicKey });
    expect(core.decide(present([own], phone, LOCK, challenge, cti(7)))).toMatchObject({ allow: true });
    // Anyone else's phone waits: a newer version of its grant, or its removal, may be in the file.
    core.issueChallenge();
    const guest = mintGrant(owner, { aud: LOCK, cti: cti(8), role: 'resident', holderKey: phone.publicKey });
    expect(core.decide(present([guest], phone, LOCK, challenge, cti(8)))).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(core.decideCredential(digest(1), 'pin')).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(core.storeGrant([pin(2)])).toEqual({ ok: false, reason: 'store-failure' });
    expect(core.faults).toBe(0);
  });

  it('a stored grant verified again before its start or outside its schedule stays stored; one under an old key is filed under its id', () => {
    const store = new MemoryStore();
    const saturdays = [{ days: 0b0100000, start: 0, end: 1440 }]; // NOW is a Monday
    const later = mintGrant(owner, { aud: LOCK, cti: cti(6), role: 'guest', schedule: saturdays, nbf: NOW / 1000 + 86_400, credential: { kind: 'pin', digests: [digest(6)] } });
    expect(coreOn(store).core.storeGrant([later]).ok).toBe(true);
    store.saveGrant('legacy-key-08', [pin(8)]);
    const { core, dropped } = coreOn(store);
    expect(core.verifyStoredGrants()).toBe(0);
    expect(dropped).toEqual([]);
    expect([...store.loadGrants().keys()].sort()).toEqual(['06'.repeat(16), '08'.repeat(16)]);
  });

  it('a waiting grant verified by a look-up is not verified again by a batch (that would drop the newer version pushed meanwhile)', () => {
    const store = new MemoryStore();
    const base = { aud: LOCK, cti: cti(7), role: 'guest' as const, holderKey: phone.publicKey };
    expect(coreOn(store).core.storeGrant([mintGrant(owner, { ...base, iat: NOW / 1000 - 60 })]).ok).toBe(true);
    const { core } = coreOn(store);
    const newer = mintGrant(owner, { ...base, iat: NOW / 1000 });
    expect(core.storeGrant([newer]).ok).toBe(true);
    expect(core.verifyStoredGrants()).toBe(0);
    expect([...store.loadGrants().values()].map((c) => Buffer.from(c[0]!).toString('hex'))).toEqual([Buffer.from(newer).toString('hex')]);
  });

  it('a FileStore whose grants file the card cannot read: a StoreError, so the owner still opens and stored codes are store-failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grants-eio-'));
    const first = new FileStore(dir);
    expect(coreOn(first).core.storeGrant([pin(1)]).ok).toBe(true);
    first.close();
    const grantFds = new Set<number>();
    const storage: Storage = {
      ...nodeStorage,
      openSync: (path, flags, mode) => {
        const fd = nodeStorage.openSync(path, flags, mode);
        if (path.endsWith('/grants')) grantFds.add(fd);
        return fd;
      },
      readSync: (fd, buffer, offset, length, position) => {
        if (grantFds.has(fd)) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        return nodeStorage.readSync(fd, buffer, offset, length, position);
      },
    };
    const store = new FileStore(dir, storage);
    expect(() => store.loadGrants()).toThrow(StoreError);
    const { core } = coreOn(store);
    core.issueChallenge();
    const own = mintGrant(owner, { aud: LOCK, cti: cti(7), role: 'owner', holderKey: phone.publicKey });
    expect(core.decide(present([own], phone, LOCK, challenge, cti(7)))).toMatchObject({ allow: true });
    expect(core.decideCredential(digest(1), 'pin')).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(core.faults).toBe(0);
    store.close();
  });
});
