// Bounded inputs (issue 13): a revocation list larger than the lock can hold is refused from its
// length, before any decoding or hashing; one within the bound is applied.
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { MAX_REVOCATION_ENTRIES } from '../../firmware/access/revocation-limits.js';
import { MemoryStore } from '../../firmware/store/store.js';
import type { Clock } from '../../hal/ports/clock.js';
import { mintRevocations, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const NOW = Date.parse('2026-06-01T12:00:00Z');
const clock: Clock = new ManualClock(NOW);
const makeCore = (maxRevocationEntries?: number) =>
  new AccessCore(
    { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'UTC', ownerKeys: [owner.publicKey], ...(maxRevocationEntries ? { maxRevocationEntries } : {}) },
    { clock, random: { bytes: (n) => new Uint8Array(n), float: () => 0.5 }, store: new MemoryStore() },
  );
const ids = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.from(Buffer.alloc(16, 0).fill(i & 0xff, 0, 8).fill(i >> 8, 8)));

describe('finding: a 47 MiB revocation list with a bad signature blocked the event loop', () => {
  it('is refused as too large from its length: the bad signature is never even looked at', () => {
    const core = makeCore();
    const list = mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: ids(3) });
    const huge = new Uint8Array(47 * 1024 * 1024);
    huge.set(list.subarray(0, 8)); // a COSE_Sign1 opening, then junk where the signature would be
    const refusals: string[] = [];
    core.events.on('revocations-refused', (e) => refusals.push(e.reason));
    expect(core.applyRevocations(huge, false)).toEqual({ ok: false, reason: 'too-large' });
    expect(refusals).toEqual(['too-large']);
  });

  it('the bound is the lock\'s capacity in entries: one more than it holds is refused, signature or not', () => {
    const core = makeCore(100);
    expect(core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: ids(101) }), false)).toEqual({ ok: false, reason: 'too-large' });
    expect(core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: ids(100) }), false)).toEqual({ ok: true, seq: 1 });
    expect(core.revocationSeq).toBe(1);
  });

  it('the default capacity fits a list of keys in one 1 MiB MQTT packet', () => {
    const keys = Array.from({ length: MAX_REVOCATION_ENTRIES }, (_, i) => Uint8Array.from(Buffer.alloc(32, 0).fill(i & 0xff, 0, 16).fill(i >> 8, 16)));
    const list = mintRevocations(owner, { seq: 2, aud: LOCK, iat: NOW / 1000, holders: keys });
    expect(list.length + 64).toBeLessThan(1 << 20); // plus the PUBLISH header and topic
    expect(makeCore().applyRevocations(list, false)).toEqual({ ok: true, seq: 2 });
  });
});
