// The ways in at the door, on the simulated board: driven only through the simulator's control
// API (keys pressed on the matrix, phones at the reader, the door), judged by where the bolt
// physically is and by the events. Grants reach the lock as they would over the network
// (storeGrant); remote commands as owner-signed bytes.
import { afterEach, describe, expect, it } from 'vitest';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { offlineCode, pinDigest } from '../../firmware/keypad/codes.js';
import { handleHaCommand } from '../../firmware/sync/home-assistant.js';
import type { SimPhone } from '../../sim/devices/credential-reader.js';
import { type ClaimsInput, type KeyPair, mintCommand, mintGrant, mintHeartbeat, present, testKey } from '../../tools/lib/mint.js';
import { type SimLock, startSimLock } from '../helpers/sim-lock.js';

const LOCK = 'front-door';
const ZONE = 'Europe/Berlin';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const anna = testKey('phone-anna');
const thief = testKey('thief');
const PIN_GUEST = '482913';
const PIN_OWNER = '731106';
const MON_1000 = Date.parse('2026-06-01T08:00:00Z'); // Monday 10:00 in Berlin
const WEEKDAYS = [{ days: 0b0011111, start: 9 * 60, end: 17 * 60 }];

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

async function start(startMs = MON_1000, extra: { stateDir?: string } = {}) {
  lock = await startSimLock({
    startMs,
    config: { autoRelockMs: 10_000 },
    access: { lockId: LOCK, timeZone: ZONE, ownerKeys: [owner.publicKey], keypadSecret: SECRET, ...extra },
  });
  // A paired lock on the network hears the owner's heartbeat (guest grants need one within 7 days).
  expect(lock.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(startMs / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
  return lock;
}

let next = 1;
const id = () => new Uint8Array(16).fill(next++);
function pinGrant(l: SimLock, pin: string, claims: Partial<ClaimsInput> = {}) {
  const result = l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: id(), role: 'guest', credential: { kind: 'pin', digests: [pinDigest(SECRET, pin)] }, ...claims })]);
  expect(result.ok).toBe(true);
}
function phoneGrant(holder: KeyPair, claims: Partial<ClaimsInput> = {}) {
  const cti = id();
  return { cti, bytes: mintGrant(owner, { aud: LOCK, cti, role: 'guest', holderKey: holder.publicKey, ...claims }) };
}
/** A phone that answers the lock's challenge with a proof signed by `signer`. */
function phone(grant: { cti: Uint8Array; bytes: Uint8Array }, signer: KeyPair): SimPhone {
  return { respond: (challenge) => present([grant.bytes], signer, LOCK, challenge, grant.cti) };
}
/** Type a code and `#`, then let the bolt finish whatever it does. */
function type(l: SimLock, code: string) {
  l.time.advance(l.control.typeKeys(`${code}#`) + 1500);
}
const lastAccess = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access').at(-1);
const boltOpen = (l: SimLock) => l.world.bolt.isWithdrawn;

describe('PIN grants on the keypad', () => {
  it('a PIN is 4 to 8 digits: a grant carrying a shorter or longer one never opens (and the code counts as a guess)', async () => {
    const l = await start();
    pinGrant(l, '123');
    pinGrant(l, '123456789');
    type(l, '123');
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'unknown-code' });
    type(l, '123456789');
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'unknown-code' });
    expect(boltOpen(l)).toBe(false);
    expect(l.app.local!.lockout.wrongCodes).toBe(2);
  });

  it('opens inside its weekly window', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST, { schedule: WEEKDAYS });
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(true);
    expect(lastAccess(l)).toMatchObject({ via: 'keypad', kind: 'pin', allow: true, role: 'guest' });
  });

  it('refuses outside its window, without counting it as a wrong code', async () => {
    const l = await start(Date.parse('2026-06-06T08:00:00Z')); // Saturday
    pinGrant(l, PIN_GUEST, { schedule: WEEKDAYS });
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'outside-schedule' });
    expect(l.app.local!.lockout.wrongCodes).toBe(0);
  });

  it('follows the wall clock across the spring daylight-saving change', async () => {
    const l = await start(Date.parse('2026-03-27T07:30:00Z')); // Friday 08:30 CET: before the window
    pinGrant(l, PIN_GUEST, { schedule: WEEKDAYS });
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(false);
    l.time.advance(Date.parse('2026-03-30T07:30:00Z') - l.time.now()); // Monday 09:30 CEST
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(true);
  });

  it('refuses an unknown PIN and a half-typed code that timed out', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    type(l, '000000');
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'unknown-code' });
    l.time.advance(l.control.typeKeys(PIN_GUEST.slice(0, 3)) + 6000); // pause past the inter-key timeout
    type(l, PIN_GUEST.slice(3));
    expect(boltOpen(l)).toBe(false);
    expect(l.app.local!.lockout.wrongCodes).toBe(2);
  });
});

describe('PIN grants: uses and feedback', () => {
  it('a one-use PIN opens once', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST, { maxUses: 1 });
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(true);
    l.time.advance(15_000);
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'uses-exhausted' });
  });

  it('answers on the LED and buzzer: a beep per key, refusal beeps, and a blinking LED while locked out', async () => {
    const l = await start();
    l.control.pressKey('4');
    l.time.advance(50); // a scan (~35 ms) later
    expect(l.world.buzzerOn).toBe(true); // the key click
    l.time.advance(5000); // the half code times out
    const total = l.control.typeKeys('000000#');
    l.time.advance(6 * 200 + 1 + 50); // '#' is the 7th key, pressed at 1201 ms; 50 ms later it has been scanned
    expect(l.world.buzzerOn && l.world.ledOn).toBe(true); // refused: LED and buzzer together
    l.time.advance(total + 2000);
    for (let i = 0; i < 4; i++) type(l, `55555${i}`);
    let ledChanges = 0;
    let last = l.world.ledOn;
    for (let t = 0; t < 2000; t += 25) {
      l.time.advance(25);
      if (l.world.ledOn !== last) ledChanges++;
      last = l.world.ledOn;
    }
    expect(ledChanges).toBeGreaterThan(10); // locked-out: fast blink
    expect(l.world.buzzerOn).toBe(false);
  });
});

describe('offline codes', () => {
  it('open inside their window and not after it', async () => {
    const l = await start();
    const code = offlineCode(SECRET, LOCK, l.time.now(), 1); // 4 hours from this hour
    type(l, code);
    expect(boltOpen(l)).toBe(true);
    expect(lastAccess(l)).toMatchObject({ kind: 'offline-code', allow: true });
    l.time.advance(5 * 3_600_000);
    expect(boltOpen(l)).toBe(false); // relocked long ago
    type(l, code);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'unknown-code' });
  });

  it('a code of the right form and hour with a guessed MAC is refused, and counts as a guess', async () => {
    const l = await start();
    const code = offlineCode(SECRET, LOCK, l.time.now(), 1);
    type(l, `${code.slice(0, 4)}${String((Number(code.slice(4)) + 1) % 1_000_000).padStart(6, '0')}`);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ kind: 'offline-code', allow: false, reason: 'unknown-code' });
    expect(l.app.local!.lockout.wrongCodes).toBe(1);
  });

  it('a single-use code works once, also across a restart', async () => {
    const l = await start();
    const code = offlineCode(SECRET, LOCK, l.time.now(), 6); // single use, a day
    type(l, code);
    expect(boltOpen(l)).toBe(true);
    l.time.advance(15_000); // auto-relock
    expect(boltOpen(l)).toBe(false);
    await l.restart();
    type(l, code);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'uses-exhausted' });
  });
});

describe('lockout', () => {
  it('locks the keypad after 5 wrong codes, longer each time, and a good PIN waits it out', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    for (let i = 0; i < 5; i++) type(l, `99999${i}`);
    expect(l.localEvents.filter((e) => e.type === 'lockout')).toEqual([{ type: 'lockout', active: true, forMs: 60_000, via: 'keypad' }]);
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'keypad-locked-out' });
    l.time.advance(60_000);
    expect(l.localEvents.filter((e) => e.type === 'lockout').at(-1)).toEqual({ type: 'lockout', active: false, forMs: 0, via: 'keypad' }); // its end is said
    for (let i = 0; i < 5; i++) type(l, `88888${i}`);
    expect(l.localEvents.filter((e) => e.type === 'lockout' && e.active).map((e) => e.type === 'lockout' && e.forMs)).toEqual([60_000, 120_000]);
    l.time.advance(120_000);
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(true);
  });

  it('survives a restart', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    for (let i = 0; i < 5; i++) type(l, `77777${i}`);
    await l.restart(); // through the same boot, on the same state directory; nothing pushed again
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ reason: 'keypad-locked-out' });
  });

  it('does not stop the owner\'s phone', async () => {
    const l = await start();
    for (let i = 0; i < 5; i++) type(l, `66666${i}`);
    l.control.tapPhone(phone(phoneGrant(anna, { role: 'owner' }), anna));
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(true);
    expect(lastAccess(l)).toMatchObject({ via: 'reader', kind: 'phone', allow: true, role: 'owner' });
  });
});

describe('phone credentials at the reader', () => {
  it('a copied grant without the holder key is refused', async () => {
    const l = await start();
    l.control.tapPhone(phone(phoneGrant(anna), thief));
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'bad-proof' });
  });

  it('a recorded presentation replayed at the reader is refused', async () => {
    const l = await start();
    const grant = phoneGrant(anna);
    let recorded: Uint8Array | null = null;
    l.control.tapPhone({ respond: (c) => (recorded = present([grant.bytes], anna, LOCK, c, grant.cti)) });
    l.time.advance(15_000);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    expect(boltOpen(l)).toBe(false); // relocked
    l.control.tapPhone({ respond: () => recorded! });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'challenge-replayed' });
  });
});

describe('operating modes (owner-signed commands)', () => {
  const command = (l: SimLock, action: string, mode?: string) => {
    const iat = Math.floor(l.time.now() / 1000);
    return l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: id(), iat, exp: iat + 60, action, mode }));
  };

  it('vacation: guest codes refused, owner PINs and phones still work', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    pinGrant(l, PIN_OWNER, { role: 'owner' });
    expect(command(l, 'set-mode', 'party')).toEqual({ ok: false, reason: 'unknown-mode' }); // a mode this firmware does not know changes nothing
    expect(l.app.local!.mode).toBe('normal');
    expect(command(l, 'set-mode', 'vacation')).toEqual({ ok: true, action: 'set-mode' });
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ reason: 'refused-by-mode' });
    type(l, PIN_OWNER);
    expect(boltOpen(l)).toBe(true);
    l.time.advance(15_000);
    l.control.tapPhone(phone(phoneGrant(anna), anna));
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(true);
  });

  it('privacy: only the owner, on every channel', async () => {
    const l = await start();
    command(l, 'set-mode', 'privacy');
    l.control.tapPhone(phone(phoneGrant(anna), anna));
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
    expect(lastAccess(l)).toMatchObject({ reason: 'refused-by-mode' });
    l.control.tapPhone(phone(phoneGrant(anna, { role: 'owner' }), anna));
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(true);
  });

  it('passage: the door stays unlocked, and locks again when passage ends', async () => {
    const l = await start();
    command(l, 'set-mode', 'passage');
    l.time.advance(60_000);
    expect(boltOpen(l)).toBe(true);
    await l.restart(); // the mode is persisted
    l.time.advance(60_000);
    expect(boltOpen(l)).toBe(true);
    command(l, 'set-mode', 'normal');
    l.time.advance(15_000);
    expect(boltOpen(l)).toBe(false);
  });

  it('no-remote-unlock: remote unlock refused, remote lock and the keypad still work', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST);
    command(l, 'set-mode', 'no-remote-unlock');
    expect(command(l, 'unlock')).toEqual({ ok: false, reason: 'refused-by-mode' });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
    type(l, PIN_GUEST);
    expect(boltOpen(l)).toBe(true);
    expect(command(l, 'lock')).toEqual({ ok: true, action: 'lock' });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
  });

  it('refuses a replayed command', async () => {
    const l = await start();
    const iat = Math.floor(l.time.now() / 1000);
    const bytes = mintCommand(owner, { aud: LOCK, nonce: id(), iat, exp: iat + 60, action: 'unlock' });
    expect(l.app.local!.applyCommand(bytes)).toEqual({ ok: true, action: 'unlock' });
    l.time.advance(15_000);
    expect(l.app.local!.applyCommand(bytes)).toEqual({ ok: false, reason: 'replayed' });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
  });
});

describe('Home Assistant commands', () => {
  const ha = { lockId: LOCK, name: 'Front door', unlockNeedsCode: true };
  const send = (l: SimLock, o: object | string, options = ha) =>
    handleHaCommand(Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)), l.app.deadbolt, l.app.local, options);

  it('unlocks with an owner or resident PIN, never a guest\'s, and counts refused codes on its own budget', async () => {
    const l = await start();
    pinGrant(l, PIN_OWNER, { role: 'resident' });
    pinGrant(l, PIN_GUEST, { role: 'guest' });
    expect(send(l, { action: 'UNLOCK', code: PIN_GUEST })).toEqual({ ok: false, action: 'unlock', reason: 'code-refused' });
    expect(send(l, { action: 'UNLOCK', code: '000000' })).toEqual({ ok: false, action: 'unlock', reason: 'code-refused' });
    expect(send(l, 'UNLOCK')).toEqual({ ok: false, action: 'unlock', reason: 'code-required' }); // no code at all: not a guess
    expect(send(l, { action: 'UNLOCK', code: null })).toEqual({ ok: false, action: 'unlock', reason: 'code-required' });
    expect(l.app.local!.remoteBudget.wrongCodes).toBe(2);
    expect(l.app.local!.lockout.wrongCodes).toBe(0);
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
    expect(send(l, { action: 'UNLOCK', code: PIN_OWNER })).toEqual({ ok: true, action: 'unlock' });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(true);
    expect(send(l, { action: 'LOCK', code: '' })).toEqual({ ok: true, action: 'lock' });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(false);
  });

  it('respects no-remote-unlock, and unlocks without a code only when configured so', async () => {
    const l = await start();
    pinGrant(l, PIN_OWNER, { role: 'owner' });
    const iat = Math.floor(l.time.now() / 1000);
    l.app.local!.applyCommand(mintCommand(owner, { aud: LOCK, nonce: id(), iat, exp: iat + 60, action: 'set-mode', mode: 'no-remote-unlock' }));
    expect(send(l, { action: 'UNLOCK', code: PIN_OWNER })).toEqual({ ok: false, action: 'unlock', reason: 'refused-by-mode' });
    l.app.local!.setMode('normal');
    expect(send(l, 'UNLOCK', { ...ha, unlockNeedsCode: false })).toEqual({ ok: true, action: 'unlock' });
    l.time.advance(1500);
    expect(boltOpen(l)).toBe(true);
    expect(send(l, 'OPEN-SESAME')).toEqual({ ok: false, action: null, reason: 'unknown-action' });
  });
});

describe('secrets stay secret', () => {
  it('no PIN or offline code appears in any log line or event of a busy session', async () => {
    const l = await start();
    pinGrant(l, PIN_GUEST, { schedule: WEEKDAYS });
    const code = offlineCode(SECRET, LOCK, l.time.now(), 5);
    const codes = [PIN_GUEST, code, '999990', '123456789012345'];
    type(l, PIN_GUEST);
    l.time.advance(15_000);
    type(l, code);
    l.time.advance(15_000);
    type(l, code);
    for (let i = 0; i < 6; i++) type(l, `99999${i}`);
    type(l, '123456789012345');
    l.control.tapPhone(phone(phoneGrant(anna), thief));
    l.time.advance(1500);
    // The signed audit events, decoded, as the owner's app would read them.
    const signed = l.outbox!.pending().map((e) => {
      const opened = openSigned(e.bytes, TYP.event, nodeVerifier());
      if (!opened.ok) throw new Error(opened.reason);
      return JSON.stringify([...(opened.value.payload as Map<number, unknown>).entries()], (_k, v) => (v instanceof Map ? [...v.entries()] : v));
    });
    expect(signed.filter((e) => e.includes('"access"')).length).toBeGreaterThan(8);
    const everything = [...l.logLines, ...l.events.map((e) => JSON.stringify(e)), ...l.localEvents.map((e) => JSON.stringify(e)), ...signed].join('\n');
    expect(l.localEvents.length).toBeGreaterThan(8);
    for (const secret of [...codes, Buffer.from(SECRET).toString('hex')]) expect(everything).not.toContain(secret);
  });
});
