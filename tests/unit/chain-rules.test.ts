// The chain rules (firmware/access/chain.ts) the grant vectors leave out, one case each: only a
// delegation may sign a further link, a delegation is never the leaf, and every child narrows its
// parent in audience, start, end, relock deadline, depth and uses. Found by the mutation probe.
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../firmware/access/chain.js';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import type { ClaimsInput } from '../../tools/lib/mint.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { seededRandom } from '../../hal/node/random.js';
import { mintGrant, mintHeartbeat, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');
const T = NOW / 1000;
const owner = testKey('owner');
const carrier = testKey('carrier-dispatch');
const depot = testKey('depot');
const courier = testKey('courier');
const cti = (n: number) => new Uint8Array(16).fill(n);
const isOwner = (key: Uint8Array) => Buffer.compare(key, owner.publicKey) === 0;
const verify = (chain: Uint8Array[]) => {
  const result = verifyChain(chain, isOwner, nodeVerifier());
  return result.ok ? 'ok' : result.reason;
};

/** owner -> carrier: delivery only, within [T, T + 1 day), relock within 120 s, 3 uses, depth `depth`. */
const delegation = (extra: Partial<ClaimsInput> = {}, depth = 0) =>
  mintGrant(owner, { aud: LOCK, cti: cti(1), holderKey: carrier.publicKey, nbf: T, exp: T + 86_400, obligations: { record: true, relockWithinS: 120 }, delegation: { roles: ['delivery'], maxUses: 3, maxDepth: depth }, ...extra });
/** carrier -> courier: a delivery grant inside those bounds unless `extra` widens it. */
const grant = (extra: Partial<ClaimsInput> = {}, signer = carrier) =>
  mintGrant(signer, { aud: LOCK, cti: cti(2), role: 'delivery', holderKey: courier.publicKey, nbf: T, exp: T + 3600, maxUses: 1, obligations: { record: true, relockWithinS: 60 }, ...extra });

describe('chain shape', () => {
  it('the control case verifies', () => {
    expect(verify([delegation(), grant()])).toBe('ok');
  });

  it('a holder grant (not a delegation) cannot sign a further link, even naming its holder as signer', () => {
    const holderGrant = mintGrant(owner, { aud: LOCK, cti: cti(3), role: 'delivery', holderKey: carrier.publicKey, nbf: T, exp: T + 86_400 });
    expect(verify([holderGrant, grant()])).toBe('broken-chain');
  });

  it('a delegation is never the leaf: the delegate cannot open the door with it', () => {
    expect(verify([delegation()])).toBe('not-a-grant');
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], provider: 'node' }, { clock: new ManualClock(NOW + 60_000), random: seededRandom(1), store: new MemoryStore() });
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: T, seq: 0, aud: LOCK })).ok).toBe(true);
    const challenge = core.issueChallenge();
    expect(core.decide(present([delegation()], carrier, LOCK, challenge, cti(1)))).toMatchObject({ allow: false, reason: 'not-a-grant' });
  });
});

describe('every child narrows its parent', () => {
  it('audience: a child for another lock widens', () => {
    expect(verify([delegation(), grant({ aud: 'back-door' })])).toBe('delegation-widens');
  });

  it('start: a child starting earlier, or without a start, widens', () => {
    expect(verify([delegation(), grant({ nbf: T - 1 })])).toBe('delegation-widens');
    expect(verify([delegation(), grant({ nbf: null })])).toBe('delegation-widens');
  });

  it('end: a child without an end widens', () => {
    expect(verify([delegation(), grant({ exp: null })])).toBe('delegation-widens');
  });

  it('relock deadline: a child with a longer deadline, or none, widens', () => {
    expect(verify([delegation(), grant({ obligations: { record: true, relockWithinS: 121 } })])).toBe('delegation-widens');
    expect(verify([delegation(), grant({ obligations: { record: true, relockWithinS: null } })])).toBe('delegation-widens');
  });

  it('depth: a depth-1 delegation may sub-delegate only at depth 0', () => {
    const sub = (maxDepth: number) => mintGrant(carrier, { aud: LOCK, cti: cti(4), holderKey: depot.publicKey, nbf: T, exp: T + 3600, obligations: { record: true, relockWithinS: 120 }, delegation: { roles: ['delivery'], maxUses: 1, maxDepth } });
    expect(verify([delegation({}, 1), sub(0), grant({}, depot)])).toBe('ok');
    expect(verify([delegation({}, 1), sub(1), grant({}, depot)])).toBe('delegation-widens');
  });

  it('uses: a sub-delegation with more uses than its parent, or unlimited, widens', () => {
    const sub = (maxUses: number | null) => mintGrant(carrier, { aud: LOCK, cti: cti(5), holderKey: depot.publicKey, nbf: T, exp: T + 3600, obligations: { record: true, relockWithinS: 120 }, delegation: { roles: ['delivery'], maxUses, maxDepth: 0 } });
    expect(verify([delegation({}, 1), sub(3), grant({}, depot)])).toBe('ok');
    expect(verify([delegation({}, 1), sub(4), grant({}, depot)])).toBe('delegation-widens');
    expect(verify([delegation({}, 1), sub(null), grant({}, depot)])).toBe('delegation-widens');
  });
});
