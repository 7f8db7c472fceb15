// Parts of the access core on their own: the journal's torn-tail cut, the grant store, the id set.
import { appendFileSync, mkdtempSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { IdSet } from '../../firmware/access/id-set.js';
import { FileStore } from '../../firmware/store/file-store.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { seededRandom } from '../../hal/node/random.js';
import { mintGrant, mintRevocations, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const cti = (n: number) => new Uint8Array(16).fill(n);

describe('FileStore', () => {
  it('keeps committed uses across a reopen and cuts a torn tail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const a = new FileStore(dir);
    expect(a.commitUse(cti(1), 2)).toBe(true);
    expect(a.commitUse(cti(1), 2)).toBe(true);
    expect(a.commitUse(cti(1), 2)).toBe(false);
    a.raiseTimeFloor(Date.UTC(2026, 0, 1));
    a.close();
    const journal = join(dir, 'journal');
    const good = statSync(journal).size;
    appendFileSync(journal, Buffer.from([0, 0, 0, 21, 1, 2, 3])); // power lost mid-write
    const b = new FileStore(dir);
    expect(b.tornBytes).toBe(7);
    expect(statSync(journal).size).toBe(good);
    expect(b.usesOf(cti(1))).toBe(2);
    expect(b.commitUse(cti(1), 2)).toBe(false);
    expect(b.timeFloor()).toBe(Date.UTC(2026, 0, 1));
    b.close();
  });

  it('stops at a record whose CRC does not match, in both copies (a torn tail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const a = new FileStore(dir);
    a.commitUse(cti(2), 5);
    a.commitUse(cti(3), 5);
    a.close();
    for (const name of ['journal', 'journal.mirror']) {
      const path = join(dir, name);
      const bytes = readFileSync(path);
      bytes[bytes.length - 6]! ^= 0xff; // corrupt the second record's payload
      writeFileSync(path, bytes);
    }
    const b = new FileStore(dir);
    expect(b.usesOf(cti(2))).toBe(1);
    expect(b.usesOf(cti(3))).toBe(0);
    expect(b.tornBytes).toBeGreaterThan(0);
    expect(b.damage).toEqual([]); // the last write, cut: not damage
    b.close();
  });

  it('a copy that is damaged, truncated, emptied or deleted is repaired from the other: no use lost, the copy named', () => {
    for (const harm of ['flip', 'truncate', 'empty', 'delete'] as const) {
      for (const name of ['journal', 'journal.mirror']) {
        const dir = mkdtempSync(join(tmpdir(), 'store-'));
        const a = new FileStore(dir);
        for (let i = 1; i <= 4; i++) a.commitUse(cti(i), 5);
        a.close();
        const path = join(dir, name);
        const bytes = readFileSync(path);
        if (harm === 'flip') bytes[6]! ^= 0xff;
        if (harm === 'delete') rmSync(path);
        else writeFileSync(path, harm === 'truncate' ? bytes.subarray(0, 30) : harm === 'empty' ? Buffer.alloc(0) : bytes);
        const b = new FileStore(dir);
        expect([1, 2, 3, 4].map((i) => b.usesOf(cti(i))), `${harm} ${name}`).toEqual([1, 1, 1, 1]);
        expect(b.damage.map((d) => d.file), `${harm} ${name}`).toEqual([name]);
        expect(b.usesUnprovenSince()).toBeNull();
        b.close();
        const c = new FileStore(dir); // repaired: nothing to report the second time
        expect(c.damage).toEqual([]);
        c.close();
      }
    }
  });

  it('both copies damaged: reported, and uses count as unproven until the owner acknowledges', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const a = new FileStore(dir);
    for (let i = 1; i <= 3; i++) a.commitUse(cti(i), 5);
    a.close();
    for (const name of ['journal', 'journal.mirror']) {
      const bytes = readFileSync(join(dir, name));
      bytes[6]! ^= 0xff;
      writeFileSync(join(dir, name), bytes);
    }
    const b = new FileStore(dir, undefined, () => 1_000);
    expect(b.damage.map((d) => d.file)).toEqual(['journal', 'journal.mirror']);
    expect(b.usesUnprovenSince()).toBe(1_000);
    b.close();
    const c = new FileStore(dir, undefined, () => 2_000);
    expect(c.usesUnprovenSince()).toBe(1_000); // survives a restart
    c.acknowledgeDamage();
    expect(c.usesUnprovenSince()).toBeNull();
    c.close();
  });

  it('writes snapshots whole, in a 0700 directory with 0600 files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const state = join(dir, 'state');
    const s = new FileStore(state);
    s.saveSnapshot('revocations', Uint8Array.from([1, 2, 3]));
    s.saveSnapshot('revocations', Uint8Array.from([4, 5]));
    expect([...s.loadSnapshot('revocations')!]).toEqual([4, 5]);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    for (const slot of ['a', 'b']) expect(statSync(join(state, `revocations.${slot}`)).mode & 0o777).toBe(0o600);
    s.close();
    const again = new FileStore(state);
    expect([...again.loadSnapshot('revocations')!]).toEqual([4, 5]);
    again.close();
  });
});

describe('grant store', () => {
  const owner = testKey('owner');
  const now = Date.UTC(2026, 5, 1, 12);
  const make = () =>
    new AccessCore(
      { ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] },
      { clock: new ManualClock(now), random: seededRandom(1), store: new MemoryStore() },
    );
  const digest = new Uint8Array(32).fill(0x5a);

  it('keeps a verified PIN grant, found by its keyed digest', () => {
    const core = make();
    const grant = mintGrant(owner, { aud: 'front-door', cti: cti(4), role: 'guest', credential: { kind: 'pin', digests: [digest] } });
    expect(core.storeGrant([grant])).toEqual({ ok: true, id: '04'.repeat(16) });
    expect(core.grants.findByDigest(digest)?.links[0]!.claims.role).toBe('guest');
    expect(core.grants.findByDigest(new Uint8Array(32))).toBeUndefined();
  });

  it('refuses forged, foreign, expired and revoked grants', () => {
    const core = make();
    const stranger = testKey('someone-else');
    const base = { aud: 'front-door', role: 'guest' as const, credential: { kind: 'pin' as const, digests: [digest] } };
    expect(core.storeGrant([mintGrant(stranger, { ...base, cti: cti(5) })])).toEqual({ ok: false, reason: 'unknown-issuer' });
    expect(core.storeGrant([mintGrant(owner, { ...base, cti: cti(6), aud: 'back-door' })])).toEqual({ ok: false, reason: 'wrong-lock' });
    expect(core.storeGrant([mintGrant(owner, { ...base, cti: cti(7), exp: now / 1000 - 3600 })])).toEqual({ ok: false, reason: 'expired' });
    core.applyRevocations(mintRevocations(owner, { seq: 1, aud: 'front-door', iat: now / 1000, grants: [cti(8)] }));
    expect(core.storeGrant([mintGrant(owner, { ...base, cti: cti(8) })])).toEqual({ ok: false, reason: 'revoked-grant' });
    expect(core.grants.size).toBe(0);
  });

  it("stores a grant before it starts (tomorrow's guest PIN pushed today) and judges its start when it is used", () => {
    const clock = new ManualClock(now);
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random: seededRandom(1), store: new MemoryStore() });
    const tomorrow = now / 1000 + 86_400;
    const grant = mintGrant(owner, { aud: 'front-door', cti: cti(9), role: 'resident', nbf: tomorrow, exp: tomorrow + 86_400, credential: { kind: 'pin', digests: [digest] } });
    expect(core.storeGrant([grant])).toEqual({ ok: true, id: '09'.repeat(16) });
    expect(core.decideCredential(digest, 'pin')).toMatchObject({ allow: false, reason: 'not-yet-valid' });
    clock.set(tomorrow * 1000 + 60_000);
    expect(core.decideCredential(digest, 'pin')).toMatchObject({ allow: true });
  });
});

describe('IdSet', () => {
  it('holds what was added and nothing else, including the all-zero id', () => {
    const random = seededRandom(9);
    const ids = Array.from({ length: 20_000 }, () => random.bytes(16));
    const packed = Uint8Array.from(Buffer.concat([...ids, new Uint8Array(16)]));
    const set = IdSet.fromPacked(packed, 16);
    expect(set.size).toBe(20_001);
    expect(ids.every((id) => set.has(id))).toBe(true);
    expect(set.has(new Uint8Array(16))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (set.has(random.bytes(16))) falsePositives++;
    expect(falsePositives).toBe(0);
  });

  it('reads keys by all 32 bytes: a key differing in its last byte is not in the set', () => {
    const key = new Uint8Array(32).map((_, i) => i + 1);
    const set = IdSet.fromPacked(key, 32);
    expect(set.has(key)).toBe(true);
    expect(set.has(key.subarray(0, 16))).toBe(false);
    const other = Uint8Array.from(key);
    other[31]! ^= 1;
    expect(set.has(other)).toBe(false);
    expect(set.has(Uint8Array.from([0, ...key]), 1)).toBe(true); // at an offset
  });

  it('keeps 8 bytes an id at load <= 0.9, and finds ids that differ in one bit only', () => {
    const n = 50_000;
    const packed = new Uint8Array(16 * n);
    const view = new DataView(packed.buffer);
    for (let i = 0; i < n; i++) view.setUint32(16 * i + 12, i); // sequential ids: no randomness to lean on
    const set = IdSet.fromPacked(packed, 16);
    expect(set.size).toBe(n);
    expect(set.load).toBeLessThanOrEqual(0.9);
    expect(set.bytes).toBeLessThanOrEqual(Math.ceil(n / 0.8) * 8);
    let missing = 0;
    for (let i = 0; i < n; i++) if (!set.has(packed, 16 * i)) missing++;
    expect(missing).toBe(0);
    const probe = new Uint8Array(16);
    const probeView = new DataView(probe.buffer);
    let found = 0;
    for (let i = n; i < 2 * n; i++) {
      probeView.setUint32(12, i);
      if (set.has(probe)) found++;
    }
    expect(found).toBe(0);
  });

  it('refuses to fill past load 0.9', () => {
    const set = new IdSet(16, 100); // 125 slots: 112 ids fit
    const id = new Uint8Array(16);
    const view = new DataView(id.buffer);
    for (let i = 0; i < 112; i++) {
      view.setUint32(0, i + 1);
      set.add(id);
    }
    view.setUint32(0, 1000);
    expect(() => set.add(id)).toThrow(RangeError);
    expect(set.load).toBeLessThanOrEqual(0.9);
  });
});
