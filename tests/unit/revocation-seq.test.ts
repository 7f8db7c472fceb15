// PROTOCOL.md §6 on sequence numbers, as the document states them: a lock without a list holds seq 0;
// a seq-0 list is applied whenever it arrives (there is nothing below 0 to roll back to); the same
// positive seq again is a no-op, a lower one is `rollback`; a heartbeat naming seq 0 withholds nothing.
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const phone = testKey('phone-anna');
const NOW = Date.parse('2026-06-01T12:00:00Z');
const challenge = new Uint8Array(32).fill(0xcc);
const cti = new Uint8Array(16).fill(0x31);
const guest = mintGrant(owner, { aud: LOCK, cti, role: 'guest', holderKey: phone.publicKey });

function makeCore() {
  return new AccessCore(
    { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] },
    { clock: new ManualClock(NOW), random: { bytes: () => Uint8Array.from(challenge), float: () => 0.5 }, store: new MemoryStore() },
  );
}
const list = (seq: number, grants: Uint8Array[] = []) => mintRevocations(owner, { seq, aud: LOCK, iat: NOW / 1000, grants });
function decide(core: AccessCore) {
  core.issueChallenge();
  return core.decide(present([guest], phone, LOCK, challenge, cti));
}

describe('revocation sequence numbers (PROTOCOL.md §6)', () => {
  it('a lock without a list holds seq 0, and a heartbeat naming seq 0 leaves guests fresh', () => {
    const core = makeCore();
    expect(core.revocationSeq).toBe(0);
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK }))).toEqual({ ok: true, seq: 0 });
    expect(decide(core)).toMatchObject({ allow: true });
  });

  it('a seq-0 list applies every time it arrives; a positive seq again is a no-op; lower is rollback', () => {
    const core = makeCore();
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
    expect(core.applyRevocations(list(0, [cti]))).toMatchObject({ ok: true, seq: 0 });
    expect(decide(core)).toMatchObject({ allow: false, reason: 'revoked-grant' });
    expect(core.applyRevocations(list(0))).toMatchObject({ ok: true, seq: 0 }); // applied: the grant is back
    expect(decide(core)).toMatchObject({ allow: true });
    expect(core.applyRevocations(list(1, [cti]))).toMatchObject({ ok: true, seq: 1 });
    expect(core.applyRevocations(list(1))).toMatchObject({ ok: true, seq: 1 }); // the same seq: a no-op
    expect(decide(core)).toMatchObject({ allow: false, reason: 'revoked-grant' });
    expect(core.applyRevocations(list(0))).toEqual({ ok: false, reason: 'rollback' });
  });
});
