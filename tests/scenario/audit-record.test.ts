// The signed audit record says what happened and to whom: accepted heartbeats are events, refused
// accesses name their grant and role whenever the lock knows them, and offline codes carry the id
// of the documented form (docs/PROTOCOL.md §9, §11). Read from the lock's own signed outbox.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { offlineCode, pinDigest } from '../../firmware/keypad/codes.js';
import { handleHaCommand } from '../../firmware/sync/home-assistant.js';
import { mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { outboxEvents, type SimLock } from '../helpers/sim-lock.js';
import { frontDoor, locksClosedAfterEach } from '../helpers/sim-lock-each.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const anna = testKey('phone-anna');
const MON_1000 = Date.parse('2026-06-01T08:00:00Z');
const S = Math.floor(MON_1000 / 1000);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const startLock = locksClosedAfterEach();

async function start() {
  const lock = await startLock(frontDoor(owner.publicKey, SECRET));
  return { l: lock, sync: lock.running.inbound! };
}

const last = (l: SimLock, type: string) => {
  const e = outboxEvents(l).filter((x) => x.type === type).at(-1);
  return e ? Object.fromEntries(e.data) : undefined;
};
const type = (l: SimLock, code: string) => l.time.advance(l.control.typeKeys(`${code}#`) + 1500);

describe('the signed audit record', () => {
  it('an accepted heartbeat is an event (time, the seq it names, the list the lock holds); a refused one says why', async () => {
    const { l, sync } = await start();
    sync.heartbeat(mintHeartbeat(owner, { time: S, seq: 0, aud: LOCK }));
    expect(last(l, 'heartbeat')).toEqual({ ok: true, seq: 0, time: S, revocationSeq: 0 });
    sync.heartbeat(mintHeartbeat(owner, { time: S + 60, seq: 3, aud: LOCK }));
    expect(last(l, 'heartbeat')).toEqual({ ok: true, seq: 3, time: S + 60, revocationSeq: 0 }); // list 3 withheld: visible
    sync.heartbeat(mintHeartbeat(owner, { time: S - 60, seq: 3, aud: LOCK }));
    expect(last(l, 'heartbeat')).toEqual({ ok: false, reason: 'rollback' });
  });

  it('a refused phone names its grant and role: revoked, and with a proof by the wrong key', async () => {
    const { l, sync } = await start();
    sync.heartbeat(mintHeartbeat(owner, { time: S, seq: 0, aud: LOCK }));
    const cti = new Uint8Array(16).fill(0xa1);
    const grant = mintGrant(owner, { aud: LOCK, cti, role: 'guest', holderKey: anna.publicKey });
    l.control.tapPhone({ respond: (c) => present([grant], testKey('thief'), LOCK, c, cti) });
    l.time.advance(500);
    expect(last(l, 'access')).toMatchObject({ allow: false, reason: 'bad-proof', grant: hex(cti), role: 'guest' });
    sync.revocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: S, grants: [cti] }));
    sync.heartbeat(mintHeartbeat(owner, { time: S + 1, seq: 1, aud: LOCK }));
    l.control.tapPhone({ respond: (c) => present([grant], anna, LOCK, c, cti) });
    l.time.advance(500);
    expect(last(l, 'access')).toMatchObject({ via: 'reader', kind: 'phone', allow: false, reason: 'revoked-grant', grant: hex(cti), role: 'guest' });
  });

  it('a stranger\'s chain names nothing: the lock does not trust what it could not verify', async () => {
    const { l } = await start();
    const cti = new Uint8Array(16).fill(0xb2);
    const grant = mintGrant(testKey('stranger'), { aud: LOCK, cti, role: 'owner', holderKey: anna.publicKey });
    l.control.tapPhone({ respond: (c) => present([grant], anna, LOCK, c, cti) });
    l.time.advance(500);
    const event = last(l, 'access')!;
    expect(event).toMatchObject({ allow: false, reason: 'unknown-issuer' });
    expect(event.grant).toBeUndefined();
    expect(event.role).toBeUndefined();
  });

  it('a PIN refused for its window, and a guest PIN from Home Assistant (role-not-allowed), name grant and role', async () => {
    const { l } = await start();
    const cti = new Uint8Array(16).fill(0xc3);
    const weekends = [{ days: 0b1100000, start: 0, end: 1440 }];
    expect(l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti, role: 'resident', schedule: weekends, credential: { kind: 'pin', digests: [pinDigest(SECRET, '482913')] } })]).ok).toBe(true);
    type(l, '482913');
    expect(last(l, 'access')).toMatchObject({ via: 'keypad', allow: false, reason: 'outside-schedule', grant: hex(cti), role: 'resident' });
    const guest = new Uint8Array(16).fill(0xc4);
    l.core!.applyHeartbeat(mintHeartbeat(owner, { time: S, seq: 0, aud: LOCK }));
    expect(l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: guest, role: 'guest', credential: { kind: 'pin', digests: [pinDigest(SECRET, '731106')] } })]).ok).toBe(true);
    const result = handleHaCommand(Buffer.from('{"action": "UNLOCK", "code": "731106"}'), l.app.deadbolt, l.app.local, { unlockNeedsCode: true });
    expect(result).toMatchObject({ ok: false, reason: 'code-refused' }); // one answer for every refused code: no oracle
    expect(last(l, 'access')).toMatchObject({ via: 'remote', kind: 'pin', allow: false, reason: 'role-not-allowed', grant: hex(guest), role: 'guest' });
  });

  it('an offline code\'s id is HMAC(secret, "lock-offline-use-v1" || 0x00 || code)[0..16] in hex, allowed or refused', async () => {
    const { l } = await start();
    const code = offlineCode(SECRET, LOCK, l.time.now(), 4); // one hour, single use
    const id = createHmac('sha256', SECRET).update('lock-offline-use-v1').update(Buffer.of(0)).update(code).digest().subarray(0, 16).toString('hex');
    type(l, code);
    expect(last(l, 'access')).toMatchObject({ kind: 'offline-code', allow: true, grant: id, role: 'guest' });
    l.time.advance(15_000);
    type(l, code);
    expect(last(l, 'access')).toMatchObject({ kind: 'offline-code', allow: false, reason: 'uses-exhausted', grant: id, role: 'guest' });
  });

  it('a set-mode command with a mode the lock does not know is refused unknown-mode, in a signed event', async () => {
    const { l, sync } = await start();
    sync.commands(mintCommand(owner, { aud: LOCK, nonce: new Uint8Array(16).fill(9), iat: S, exp: S + 60, action: 'set-mode', mode: 'party' }));
    expect(last(l, 'command')).toEqual({ ok: false, reason: 'unknown-mode' });
  });
});
