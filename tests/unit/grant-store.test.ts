// The grant store holds each grant once, as its bytes (decoded when a keypad code or a replacement
// needs it): what it holds is its own copy, a replacement moves the credential index with it, and
// a removal takes the credential out too.
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../firmware/access/chain.js';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { GrantStore } from '../../firmware/access/grant-store.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { mintGrant, mintHeartbeat, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const NOW = Date.parse('2026-06-01T12:00:00Z');
const cti = new Uint8Array(16).fill(0x31);
const digest = (pin: string) => pinDigest(SECRET, pin);

function makeCore() {
  const core = new AccessCore(
    { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] },
    { clock: new ManualClock(NOW), random: { bytes: (n) => new Uint8Array(n), float: () => 0.5 }, store: new MemoryStore() },
  );
  expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
  return core;
}
const pinGrant = (pin: string, iat: number) => mintGrant(owner, { aud: LOCK, cti, iat, role: 'resident', credential: { kind: 'pin', digests: [digest(pin)] } });

describe('GrantStore: each grant held once, as bytes', () => {
  it('keeps its own copy: the pushed bytes (a view of a larger message) can change afterwards', () => {
    const core = makeCore();
    const grant = pinGrant('482913', 100);
    const message = new Uint8Array(grant.length + 10);
    message.set(grant, 5);
    const view = message.subarray(5, 5 + grant.length);
    expect(core.storeGrant([view], false)).toMatchObject({ ok: true });
    message.fill(0);
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: true, grant: { role: 'resident' } });
    expect(Buffer.from(core.grants.findByDigest(digest('482913'))!.chain[0]!)).toEqual(Buffer.from(grant));
  });

  it('a newer version replaces the held one with its credential; removing it takes the credential out', () => {
    const core = makeCore();
    expect(core.storeGrant([pinGrant('482913', 100)], false)).toMatchObject({ ok: true });
    const replaced = core.storeGrant([pinGrant('555123', 200)], false);
    expect(replaced).toMatchObject({ ok: true });
    expect(core.grants.size).toBe(1);
    expect(core.decideCredential(digest('482913'), 'pin')).toMatchObject({ allow: false, reason: 'unknown-code' });
    expect(core.decideCredential(digest('555123'), 'pin')).toMatchObject({ allow: true });
    expect(core.grants.findByDigest(digest('555123'))!.links.at(-1)!.claims.iat).toBe(200);
    core.grants.remove((replaced as { id: string }).id);
    expect(core.grants.size).toBe(0);
    expect(core.decideCredential(digest('555123'), 'pin')).toMatchObject({ allow: false, reason: 'unknown-code' });
  });

  it('holds at most its capacity: one more is store-full, while a new version of a held grant still replaces it', () => {
    const store = new GrantStore(2);
    const verified = (n: number, iat: number) => {
      const chain = [mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(n), iat, role: 'resident', credential: { kind: 'pin', digests: [digest(`11${n}${iat}`)] } })];
      const links = verifyChain(chain, (key) => Buffer.compare(key, owner.publicKey) === 0, nodeVerifier());
      if (!links.ok) throw new Error(links.reason);
      return { chain, links: links.links };
    };
    for (const n of [1, 2]) {
      expect(store.admit(verified(n, 100))).toBeNull();
      store.add(verified(n, 100));
    }
    expect(store.admit(verified(3, 100))).toBe('store-full');
    expect(store.admit(verified(1, 200))).toBeNull();
  });

  it('a version with an iat replaces one without; one without never replaces (nor supersedes) anything', () => {
    const core = makeCore();
    const undated = mintGrant(owner, { aud: LOCK, cti, role: 'resident', credential: { kind: 'pin', digests: [digest('482913')] } });
    expect(core.storeGrant([undated], false)).toMatchObject({ ok: true });
    expect(core.storeGrant([pinGrant('555123', 100)], false)).toMatchObject({ ok: true });
    expect(core.decideCredential(digest('555123'), 'pin')).toMatchObject({ allow: true });
    expect(core.storeGrant([undated], false)).toEqual({ ok: false, reason: 'grant-superseded' });
  });
});
