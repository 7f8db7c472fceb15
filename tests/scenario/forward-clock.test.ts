// The forward-clock policy (issue 13), on the simulated board through the shipped composition: a
// wall clock that jumps ahead of the monotonic clock (a spoofed NTP) opens nothing the jump alone
// would open, the owner is told in a signed event, a reboot does not launder the jump, and a signed
// heartbeat confirming the new time restores it. A clock set back is reported too.
import { describe, expect, it } from 'vitest';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { mintGrant, mintHeartbeat, testKey } from '../../tools/lib/mint.js';
import { outboxEvents, type SimLock } from '../helpers/sim-lock.js';
import { frontDoor, locksClosedAfterEach } from '../helpers/sim-lock-each.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const MON_1000 = Date.parse('2026-06-01T08:00:00Z'); // Monday 10:00 in Berlin
const SAT_1000 = Date.parse('2026-06-06T08:00:00Z');
const PIN_SAT = '606060';
const PIN_ANY = '121212';
const PIN_TUE = '343434'; // valid until Tuesday

const startLock = locksClosedAfterEach();

async function start() {
  const lock = await startLock(frontDoor(owner.publicKey, SECRET));
  expect(lock.core!.applyHeartbeat(mintHeartbeat(owner, { time: MON_1000 / 1000, seq: 0, aud: LOCK })).ok).toBe(true);
  grants(lock);
  return lock;
}
/** The owner's PIN grants, pushed again after a reboot as the network does (stored grants live in memory). */
function grants(l: SimLock, afterJump = false) {
  const grant = (cti: number, pin: string, extra = {}) =>
    expect(l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(cti), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, pin)] }, ...extra })]).ok).toBe(true);
  grant(1, PIN_SAT, { schedule: [{ days: 0b0100000, start: 0, end: 1440 }] }); // Saturdays only
  grant(2, PIN_ANY);
  if (!afterJump) grant(3, PIN_TUE, { exp: MON_1000 / 1000 + 86_400 }); // expired at the jumped time: not even stored then
}
function type(l: SimLock, code: string) {
  l.time.advance(l.control.typeKeys(`${code}#`) + 1500);
  l.time.advance(12_000); // relocked
}
const lastAccess = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access').at(-1);
const signed = (l: SimLock, type: string) => outboxEvents(l).filter((e) => e.type === type);

describe('finding: the clock could jump forward unchecked', () => {
  it('a jump to Saturday opens no Saturday window until a heartbeat confirms it, across a reboot', async () => {
    const l = await start();
    type(l, PIN_SAT);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'outside-schedule' });

    l.time.setWallClock(SAT_1000); // spoofed NTP: five days ahead, the monotonic clock says minutes
    type(l, PIN_SAT);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'outside-schedule' });
    expect(signed(l, 'clock-jumped-forward')).toHaveLength(1);
    type(l, PIN_ANY); // what was open before the jump stays open
    expect(lastAccess(l)).toMatchObject({ allow: true });
    type(l, PIN_TUE); // but a grant must pass at both times: if the clock is right, this one has expired
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'expired' });
    // Pushed now, such a grant is not even stored: it must pass at the wall clock's time too.
    const tuesday = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(4), role: 'resident', exp: MON_1000 / 1000 + 86_400, credential: { kind: 'pin', digests: [pinDigest(SECRET, '454545')] } });
    expect(l.core!.storeGrant([tuesday])).toEqual({ ok: false, reason: 'expired' });
    expect(l.core!.now()).toBeLessThan(MON_1000 + 3_600_000); // the floor was not pinned in the future

    await l.restart();
    grants(l, true);
    type(l, PIN_SAT);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'outside-schedule' });
    expect(signed(l, 'clock-set-back')).toHaveLength(0); // time resumes from the estimate and the floor, not behind them

    // A genuine but old heartbeat (Monday's) vouches for nothing five days later.
    expect(l.core!.applyHeartbeat(mintHeartbeat(owner, { time: MON_1000 / 1000 + 60, seq: 0, aud: LOCK })).ok).toBe(true);
    type(l, PIN_SAT);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'outside-schedule' });

    expect(l.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(l.time.now() / 1000) - 60, seq: 0, aud: LOCK })).ok).toBe(true);
    expect(signed(l, 'clock-confirmed')).toHaveLength(1);
    type(l, PIN_SAT);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    expect(l.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(l.time.now() / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
    expect(signed(l, 'clock-confirmed')).toHaveLength(1); // confirmed once: a later heartbeat has nothing left to confirm

    // The confirmation is durable: after a reboot the confirmed time stands without another heartbeat.
    await l.restart();
    type(l, PIN_SAT);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    expect(l.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(l.time.now() / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
    expect(signed(l, 'clock-confirmed')).toHaveLength(1); // not suspect again after the reboot: nothing to confirm
  });

  it('a small forward correction (within 10 minutes) is simply trusted', async () => {
    const l = await start();
    l.time.setWallClock(l.time.now() + 5 * 60_000);
    type(l, PIN_ANY);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    expect(signed(l, 'clock-jumped-forward')).toHaveLength(0);
  });

  it('a clock set back is reported to the owner, and trusted time stays at the floor', async () => {
    const l = await start();
    l.time.advance(120_000);
    const floor = l.core!.now();
    l.time.setWallClock(MON_1000 - 86_400_000);
    expect(l.core!.now()).toBe(floor);
    const reports = signed(l, 'clock-set-back');
    expect(reports).toHaveLength(1);
    expect(reports[0]!.data.get('floor')).toEqual([Math.floor(floor / 1000), floor % 1000]);
  });
});
