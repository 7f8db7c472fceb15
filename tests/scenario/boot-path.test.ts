// The lock as the device boots it (firmware/boot.ts through startLock), restarted on the same state
// directory: what was pushed to it is still there, a failing listener is an event and not a crash,
// and rebuilding the services (what pairing does) leaves no listener behind.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pinDigest } from '../../firmware/keypad/codes.js';
import type { BoardPorts } from '../../hal/ports/index.js';
import { type KeyPair, mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';
import { outboxEvents, type SimLock, settle, startSimLock } from '../helpers/sim-lock.js';

const LOCK = 'front-door';
const SECRET = new Uint8Array(32).fill(0x42);
const owner = testKey('owner');
const anna = testKey('phone-anna');
const MON_1000 = Date.parse('2026-06-01T08:00:00Z');
const PIN = '482913';

let lock: SimLock | null = null;
afterEach(async () => {
  await lock?.close();
  lock = null;
});

async function start(options: { stateDir?: string; storage?: FaultyStorage } = {}) {
  lock = await startSimLock({
    startMs: MON_1000,
    config: { autoRelockMs: 10_000 },
    access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: SECRET, stateDir: options.stateDir },
    storage: options.storage,
  });
  return lock;
}
let next = 1;
const cti = () => new Uint8Array(16).fill(next++);
const pinGrant = () => mintGrant(owner, { aud: LOCK, cti: cti(), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, PIN)] } });
function type(l: SimLock, code: string) {
  l.time.advance(l.control.typeKeys(`${code}#`) + 1500);
}
const lastAccess = (l: SimLock) => l.localEvents.filter((e) => e.type === 'access').at(-1);
function tapPhone(l: SimLock, chain: Uint8Array[], holder: KeyPair, leaf: Uint8Array) {
  l.control.tapPhone({ respond: (challenge) => present(chain, holder, LOCK, challenge, leaf) });
  l.time.advance(1500);
}

describe('what is pushed to the lock survives a restart', () => {
  it('a PIN grant and a delegated phone grant open after a restart through the same boot, pushed once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boot-path-'));
    const l = await start({ stateDir: dir });
    expect(l.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(MON_1000 / 1000), seq: 0, aud: LOCK })).ok).toBe(true);
    expect(l.core!.storeGrant([pinGrant()])).toMatchObject({ ok: true });
    const manager = testKey('property-manager');
    const delegation = mintGrant(owner, { aud: LOCK, cti: cti(), holderKey: manager.publicKey, delegation: { roles: ['guest'], maxUses: null, maxDepth: 0 } });
    const leaf = cti();
    const guest = mintGrant(manager, { aud: LOCK, cti: leaf, role: 'guest', holderKey: anna.publicKey });
    expect(l.core!.storeGrant([delegation, guest])).toMatchObject({ ok: true });
    await l.restart();
    type(l, PIN);
    expect(lastAccess(l)).toMatchObject({ via: 'keypad', allow: true, role: 'resident' });
    l.time.advance(15_000);
    tapPhone(l, [delegation, guest], anna, leaf);
    expect(lastAccess(l)).toMatchObject({ via: 'reader', allow: true, role: 'guest' });
  });

  it('a stored grant that is revoked meanwhile is dropped at boot, with a signed event', async () => {
    const l = await start();
    const grant = pinGrant();
    const stored = l.core!.storeGrant([grant]);
    expect(stored.ok).toBe(true);
    const id = stored.ok ? stored.id : '';
    expect(l.core!.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: Math.floor(MON_1000 / 1000), grants: [Buffer.from(id, 'hex')] })).ok).toBe(true);
    await l.restart();
    // Verified again after ready, without any look-up asking for it.
    await vi.waitFor(() => expect(outboxEvents(l).filter((e) => e.type === 'grant-dropped').map((e) => Object.fromEntries(e.data))).toEqual([{ id, reason: 'revoked-grant' }]));
    type(l, PIN);
    expect(lastAccess(l)).toMatchObject({ allow: false });
    await l.restart(); // dropped from disk too: not reported twice
    expect(l.core!.grants.size).toBe(0); // every stored grant verified
    expect(outboxEvents(l).filter((e) => e.type === 'grant-dropped')).toHaveLength(1);
  });

  it('after ready the stored grants are all verified again, batch after batch, without a look-up asking', async () => {
    const l = await start();
    const ids: string[] = [];
    for (let n = 0; n < 120; n++) {
      const stored = l.core!.storeGrant([mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(n).fill(0xee, 0, 1), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, String(100_000 + n))] } })]);
      expect(stored.ok).toBe(true);
      if (stored.ok) ids.push(stored.id);
    }
    const last = ids.at(-1)!; // in the third batch of 50
    expect(l.core!.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: Math.floor(MON_1000 / 1000), grants: [Buffer.from(last, 'hex')] })).ok).toBe(true);
    await l.restart();
    await vi.waitFor(() => expect(outboxEvents(l).filter((e) => e.type === 'grant-dropped').map((e) => e.data.get('id'))).toEqual([last]));
  });

  it('a grant that cannot be stored durably is refused (store-failure), and is not kept', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    storage.failEvery('write', /grants$/, { code: 'ENOSPC' });
    expect(l.core!.storeGrant([pinGrant()])).toEqual({ ok: false, reason: 'store-failure' });
    type(l, PIN);
    expect(lastAccess(l)).toMatchObject({ allow: false });
    storage.heal();
    await l.restart();
    type(l, PIN);
    expect(lastAccess(l)).toMatchObject({ allow: false });
  });
});

describe('remote commands across a restart', () => {
  it('an owner-signed unlock replayed after a restart is refused (its nonce is kept until it expires)', async () => {
    const l = await start();
    const iat = Math.floor(MON_1000 / 1000);
    const command = mintCommand(owner, { aud: LOCK, nonce: new Uint8Array(16).fill(9), iat, exp: iat + 300, action: 'unlock' });
    expect(l.app.local!.applyCommand(command)).toMatchObject({ ok: true });
    l.time.advance(15_000); // relocked
    await l.restart();
    expect(l.app.local!.applyCommand(command)).toEqual({ ok: false, reason: 'replayed' });
    l.time.advance(2000);
    expect(l.world.bolt.isThrown).toBe(true);
  });

  it('a command whose nonce cannot be stored does not act (store-failure)', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    storage.failEvery('fsync', /journal$/, { code: 'EIO' });
    const iat = Math.floor(MON_1000 / 1000);
    const command = mintCommand(owner, { aud: LOCK, nonce: new Uint8Array(16).fill(10), iat, exp: iat + 300, action: 'unlock' });
    expect(l.app.local!.applyCommand(command)).toEqual({ ok: false, reason: 'store-failure' });
    l.time.advance(2000);
    expect(l.world.bolt.isThrown).toBe(true);
    storage.heal();
    expect(l.app.local!.applyCommand(command)).toMatchObject({ ok: true }); // not remembered: it was never acted on
  });
});

describe('count before you tell, commit before you move', () => {
  it('a wrong code is on disk (both journal copies) before any refusal is shown, logged or emitted', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    const seenAtSync: { status: string | null; events: number; logs: number }[] = [];
    const refusals = () => l.localEvents.filter((e) => e.type === 'access' && !e.allow).length;
    const refusalLogs = () => l.logLines.filter((line) => line.includes('"event":"access"')).length;
    storage.watch((op, path) => {
      if (op === 'fsync' && /journal(\.mirror)?$/.test(path)) seenAtSync.push({ status: (l.ports.status as unknown as { current: string | null }).current, events: refusals(), logs: refusalLogs() });
    });
    type(l, '99999999');
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'unknown-code' });
    expect(seenAtSync.length).toBeGreaterThanOrEqual(2);
    for (const s of seenAtSync) expect(s).toMatchObject({ events: 0, logs: 0 });
    for (const s of seenAtSync) expect(s.status).not.toBe('denied');
  });

  it('a wrong code whose count cannot be written is refused as a storage failure', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    storage.failEvery('fsync', /journal$/, { code: 'EIO' });
    type(l, '99999999');
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'store-failure' });
  });

  it('a one-time grant\'s use is on disk before the motor moves', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    const drives: string[] = [];
    storage.watch((op, path) => {
      if (op === 'fsync' && /journal$/.test(path)) drives.push(l.world.bolt.drive);
    });
    const leaf = cti();
    const once = mintGrant(owner, { aud: LOCK, cti: leaf, role: 'resident', holderKey: anna.publicKey, maxUses: 1 });
    tapPhone(l, [once], anna, leaf);
    expect(lastAccess(l)).toMatchObject({ allow: true });
    expect(drives[0]).toBe('stop'); // the first journal fsync of the presentation: the use, with the motor still
  });

  it('a use that cannot be written never moves the bolt (store-failure)', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    storage.failEvery('write', /journal$/, { code: 'ENOSPC' });
    const leaf = cti();
    const once = mintGrant(owner, { aud: LOCK, cti: leaf, role: 'resident', holderKey: anna.publicKey, maxUses: 1 });
    tapPhone(l, [once], anna, leaf);
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'store-failure' });
    expect(l.world.bolt.isThrown).toBe(true);
    storage.heal();
    tapPhone(l, [once], anna, leaf);
    expect(lastAccess(l)).toMatchObject({ allow: true }); // recovers when space returns: the use was never spent
  });
});

describe('faults in listeners', () => {
  it('a full disk under the outbox during a door event: counted, a fault alarm, the lock keeps deciding', async () => {
    const storage = new FaultyStorage();
    const l = await start({ storage });
    expect(l.core!.storeGrant([pinGrant()]).ok).toBe(true);
    storage.failEvery('write', /outbox$/, { code: 'ENOSPC' });
    type(l, PIN); // the unlock's events fail to append: faults, not a crash
    expect(lastAccess(l)).toMatchObject({ allow: true });
    l.control.openDoor();
    l.time.advance(500);
    l.control.closeDoor();
    l.time.advance(500);
    expect(l.running.faults.countOf('ENOSPC')).toBeGreaterThan(0);
    expect(l.logLines.filter((line) => line.includes('"event":"fault"') && line.includes('ENOSPC'))).toHaveLength(1); // logged once
    l.time.advance(15_000); // relocked
    type(l, PIN);
    expect(lastAccess(l)).toMatchObject({ allow: true }); // the next decision is answered
    expect(outboxEvents(l).some((e) => e.type === 'alarm' && e.data.get('kind') === 'fault')).toBe(false); // it could not be written then
    storage.heal();
    l.control.openDoor();
    l.time.advance(500);
    expect(outboxEvents(l).map((e) => e.type)).toContain('door'); // and events flow again once space returns
  });
});

/** Live subscriptions on every port, read off the drivers' listener sets. */
function listeners(ports: BoardPorts): number {
  let n = 0;
  const count = (o: unknown) => {
    const sets = [o, (o as { input?: unknown })?.input, (o as { recording?: unknown })?.recording];
    for (const x of sets) {
      for (const value of Object.values((x ?? {}) as Record<string, unknown>)) if (value instanceof Set) n += value.size;
    }
  };
  for (const port of Object.values(ports)) if (port && typeof port === 'object') count(port);
  return n;
}

describe('service lifecycle', () => {
  it('rebuilding the services 1,000 times (what pairing does) leaves the ports\' listener counts flat', async () => {
    const l = await start();
    const before = listeners(l.ports);
    expect(before).toBeGreaterThan(3);
    for (let i = 0; i < 1000; i++) await settle(l.running.rebuild(), l.time);
    expect(listeners(l.ports)).toBe(before);
    type(l, '000000'); // still answering
    expect(lastAccess(l)).toMatchObject({ allow: false, reason: 'unknown-code' });
  }, 120_000);
});

describe('damaged state', () => {
  it('a flipped byte early in the journal is reported (file, offset) and the records after it still count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boot-damage-'));
    const l = await start({ stateDir: dir });
    for (let i = 0; i < 5; i++) type(l, `99999${i}`); // wrong codes: journal records
    await l.close();
    lock = null;
    const path = join(dir, 'journal');
    const bytes = readFileSync(path);
    bytes[6] = bytes[6]! ^ 0xff; // inside the first record
    writeFileSync(path, bytes);
    const again = await start({ stateDir: dir });
    const damaged = outboxEvents(again).filter((e) => e.type === 'state-damaged').map((e) => Object.fromEntries(e.data));
    expect(damaged).toEqual([expect.objectContaining({ file: 'journal', offset: 0 })]);
    expect(again.logLines.some((line) => line.includes('state damaged: journal at byte 0'))).toBe(true);
    expect(again.app.local!.lockout.remaining(again.time.now())).toBeGreaterThan(0); // the lockout written after the damage survived
  });
});
