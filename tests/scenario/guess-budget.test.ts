// The adversarial review's keypad and remote findings (issue 13), on the simulated board: a guest's
// own PIN resets no guess budget, Home Assistant has its own budget and answers every refused code
// alike, and the remote paths honour the mode and report what the bolt really did.
import { describe, expect, it } from 'vitest';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { handleHaCommand } from '../../firmware/sync/home-assistant.js';
import { type ClaimsInput, mintCommand, mintGrant, mintHeartbeat, testKey } from '../../tools/lib/mint.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { outboxEvents, type SimLock } from '../helpers/sim-lock.js';
import { frontDoor, locksClosedAfterEach } from '../helpers/sim-lock-each.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const PIN_GUEST = '482913';
const PIN_OWNER = '731106';
const MON_1000 = Date.parse('2026-06-01T08:00:00Z');
const HA = { lockId: LOCK, name: 'Front door', unlockNeedsCode: true };

const startLock = locksClosedAfterEach();

async function start(storage?: FaultyStorage) {
  const lock = await startLock({ ...frontDoor(owner.publicKey, SECRET), storage });
  expect(lock.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(MON_1000 / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
  return lock;
}

let next = 1;
const id = () => new Uint8Array(16).fill(next++);
function pinGrant(l: SimLock, pin: string, claims: Partial<ClaimsInput> = {}) {
  expect(l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: id(), role: 'guest', credential: { kind: 'pin', digests: [pinDigest(SECRET, pin)] }, ...claims })]).ok).toBe(true);
}
function type(l: SimLock, code: string) {
  l.time.advance(l.control.typeKeys(`${code}#`) + 1500);
}
const lastAccess = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access').at(-1);
const ha = (l: SimLock, o: object | string, options = HA) => handleHaCommand(Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)), l.app.deadbolt, l.app.local, options);
const command = (l: SimLock, action: string, mode?: string) => {
  const iat = Math.floor(l.time.now() / 1000);
  return l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: id(), iat, exp: iat + 60, action, mode }));
};

describe('finding: a guest could guess the owner\'s PIN at full speed', () => {
  it('the guest\'s own PIN between guesses resets neither the count nor the lockout', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    for (let i = 0; i < 4; i++) type(l, `99990${i}`);
    type(l, PIN_GUEST); // allowed: the guest's own PIN
    expect(lastAccess(l)).toMatchObject({ allow: true });
    l.time.advance(15_000);
    type(l, '999910'); // the fifth wrong code inside the window
    expect(l.localEvents.filter((e) => e.type === 'lockout')).toEqual([{ type: 'lockout', active: true, forMs: 60_000, via: 'keypad' }]);
    type(l, PIN_GUEST);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'keypad-locked-out' });
  });

  it('wrong codes spread over the hour still count: the window slides, it does not reset each minute', async () => {
    const l = await start();
    for (let i = 0; i < 4; i++) {
      type(l, `99991${i}`);
      l.time.advance(5 * 60_000);
    }
    expect(l.app.local!.lockout.wrongCodes).toBe(4);
    type(l, '999915');
    expect(l.localEvents.filter((e) => e.type === 'lockout')).toHaveLength(1);
    l.time.advance(61 * 60_000); // an hour after the last, the window is empty again
    type(l, '999916');
    expect(l.app.local!.lockout.wrongCodes).toBe(1);
  });

  it('lockout escalation is not reset by a good code, only by time or the owner\'s signed command', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    for (let i = 0; i < 5; i++) type(l, `88880${i}`);
    l.time.advance(60_000);
    type(l, PIN_GUEST);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    l.time.advance(15_000);
    for (let i = 0; i < 5; i++) type(l, `88881${i}`);
    const lengths = () => l.localEvents.flatMap((e) => (e.type === 'lockout' && e.active ? [e.forMs] : []));
    expect(lengths()).toEqual([60_000, 120_000]);
    await l.restart(); // persisted
    l.time.advance(120_000);
    for (let i = 0; i < 5; i++) type(l, `88882${i}`);
    expect(lengths()).toEqual([60_000, 120_000, 240_000]);
    l.time.advance(240_000);
    expect(command(l, 'reset-lockout')).toEqual({ ok: true, action: 'reset-lockout' });
    expect(l.app.local!.lockout.lockoutLevel).toBe(0);
    for (let i = 0; i < 5; i++) type(l, `88883${i}`);
    expect(lengths().at(-1)).toBe(60_000);
  });

  it('the owner\'s reset ends a lockout under way at once, and says so once (PROTOCOL.md §9)', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    for (let i = 0; i < 5; i++) type(l, `66660${i}`);
    const lockouts = () => l.localEvents.filter((e) => e.type === 'lockout');
    expect(lockouts()).toEqual([{ type: 'lockout', active: true, forMs: 60_000, via: 'keypad' }]);
    expect(command(l, 'reset-lockout')).toEqual({ ok: true, action: 'reset-lockout' });
    expect(lockouts().at(-1)).toEqual({ type: 'lockout', active: false, forMs: 0, via: 'keypad' });
    expect(l.app.local!.lockout.remaining(l.core!.now())).toBe(0);
    type(l, PIN_GUEST);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    l.time.advance(120_000); // the old lockout's end does not come again
    expect(lockouts()).toHaveLength(2);
  });

  it('time forgets: after a quiet day the lockout steps back down', async () => {
    const l = await start();
    for (let i = 0; i < 5; i++) type(l, `77770${i}`);
    l.time.advance(60_000);
    for (let i = 0; i < 5; i++) type(l, `77771${i}`);
    expect(l.app.local!.lockout.lockoutLevel).toBe(2);
    l.time.advance(86_400_000 + 120_000);
    for (let i = 0; i < 5; i++) type(l, `77772${i}`);
    expect(l.localEvents.flatMap((e) => (e.type === 'lockout' && e.active ? [e.forMs] : []))).toEqual([60_000, 120_000, 120_000]);
  });
});

describe('finding: the Home Assistant topic was a remote keypad and an oracle', () => {
  it('junk on Home Assistant spends Home Assistant\'s budget, never the keypad\'s', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    for (let i = 0; i < 12; i++) ha(l, { action: 'UNLOCK', code: `00000${i % 10}` });
    expect(ha(l, { action: 'UNLOCK', code: '123456' })).toEqual({ ok: false, action: 'unlock', reason: 'keypad-locked-out' });
    expect(l.localEvents.filter((e) => e.type === 'lockout' && e.active).map((e) => e.type === 'lockout' && e.via)).toEqual(['remote']);
    expect(l.app.local!.lockout.wrongCodes).toBe(0);
    type(l, PIN_GUEST);
    expect(lastAccess(l)).toMatchObject({ via: 'keypad', allow: true });
  });

  it('a guest PIN and a wrong PIN get the same answer; the signed event carries the precise reason', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST, { role: 'guest' });
    pinGrant(l, PIN_OWNER, { role: 'resident' });
    const guest = ha(l, { action: 'UNLOCK', code: PIN_GUEST });
    const wrong = ha(l, { action: 'UNLOCK', code: '000000' });
    expect(guest).toEqual(wrong);
    expect(guest).toEqual({ ok: false, action: 'unlock', reason: 'code-refused' });
    const reasons = outboxEvents(l).filter((e) => e.type === 'access').map((e) => e.data.get('reason'));
    expect(reasons).toEqual(['role-not-allowed', 'unknown-code']);
    expect(ha(l, { action: 'UNLOCK', code: PIN_OWNER })).toEqual({ ok: true, action: 'unlock' });
  });
});

describe('remote paths (rules no test used to hold)', () => {
  it('the code-less remote unlock honours no-remote-unlock', async () => {
    const l = await start();
    command(l, 'set-mode', 'no-remote-unlock');
    expect(ha(l, 'UNLOCK', { ...HA, unlockNeedsCode: false })).toEqual({ ok: false, action: 'unlock', reason: 'refused-by-mode' });
    l.time.advance(1500);
    expect(l.world.bolt.isWithdrawn).toBe(false);
  });

  it('a remote command reports what the bolt did, not what was asked', async () => {
    const l = await start();
    expect(command(l, 'unlock')).toEqual({ ok: true, action: 'unlock' });
    l.time.advance(1500);
    expect(l.control.openDoor()).toBeNull();
    l.time.advance(500);
    expect(command(l, 'lock')).toEqual({ ok: false, reason: 'door-open' });
  });

  it('a resident PIN over Home Assistant honours privacy mode (only the owner)', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST, { role: 'resident' });
    pinGrant(l, PIN_OWNER, { role: 'owner' });
    expect(command(l, 'set-mode', 'privacy')).toEqual({ ok: true, action: 'set-mode' });
    expect(ha(l, { action: 'UNLOCK', code: PIN_GUEST })).toEqual({ ok: false, action: 'unlock', reason: 'code-refused' });
    expect(outboxEvents(l).filter((e) => e.type === 'access').at(-1)!.data.get('reason')).toBe('refused-by-mode');
    expect(ha(l, { action: 'UNLOCK', code: PIN_OWNER })).toEqual({ ok: true, action: 'unlock' });
  });

  it('a PIN over Home Assistant spends its use limit, and one whose grant asks for the camera or a relock deadline is refused', async () => {
    const l = await start();
    pinGrant(l, PIN_OWNER, { role: 'resident', maxUses: 1 });
    pinGrant(l, PIN_GUEST, { role: 'resident', obligations: { record: true, relockWithinS: null } });
    expect(ha(l, { action: 'UNLOCK', code: PIN_OWNER })).toEqual({ ok: true, action: 'unlock' });
    l.time.advance(15_000); // relocked
    expect(ha(l, { action: 'UNLOCK', code: PIN_OWNER })).toEqual({ ok: false, action: 'unlock', reason: 'code-refused' });
    expect(ha(l, { action: 'UNLOCK', code: PIN_GUEST })).toEqual({ ok: false, action: 'unlock', reason: 'code-refused' });
    l.time.advance(1500);
    expect(l.world.bolt.isWithdrawn).toBe(false);
    const refused = outboxEvents(l).filter((e) => e.type === 'access' && e.data.get('allow') === false).map((e) => e.data.get('reason'));
    expect(refused).toEqual(['uses-exhausted', 'recording-unavailable']);
  });

  it('a guess count, a mode or a lockout reset the card cannot write: store-failure (at the keypad, to Home Assistant, to the owner), and the mode stays as it was', async () => {
    const storage = new FaultyStorage();
    const l = await start(storage);
    storage.failEvery('write', /journal/, { code: 'EIO' });
    expect(ha(l, { action: 'UNLOCK', code: '000000' })).toEqual({ ok: false, action: 'unlock', reason: 'store-failure' });
    type(l, '000000'); // at the keypad too: an uncounted guess is refused as a storage failure, nothing more told
    expect(lastAccess(l)).toMatchObject({ via: 'keypad', allow: false, reason: 'store-failure' });
    storage.heal();
    storage.failNth('write', /journal/, 3, { code: 'EIO' }); // the command's nonce (two copies) is kept; the mode is not
    expect(command(l, 'set-mode', 'vacation')).toEqual({ ok: false, reason: 'store-failure' });
    expect(l.app.local!.mode).toBe('normal');
    storage.failNth('write', /journal/, 3, { code: 'EIO' });
    expect(command(l, 'reset-lockout')).toEqual({ ok: false, reason: 'store-failure' }); // not said done when it is not on disk
  });
});
