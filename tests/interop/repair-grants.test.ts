// Grants pushed to a paired lock through its inbound handlers (what arrives on locks/<id>/grants)
// are durable: a PIN, a parcel box's tracking numbers and a delegated phone grant still open after a
// restart and after the installer pairs the lock again with the same lock id and owners, over the
// serial line, as a person would (the device's boot path, real time, the parcel-box board).
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDeterministic } from '../../firmware/access/cbor.js';
import { parseLockConfig } from '../../firmware/config.js';
import { pinDigest, trackingDigest } from '../../firmware/keypad/codes.js';
import { createLogger } from '../../firmware/log.js';
import { type Started, startLock } from '../../firmware/main.js';
import { writePaired } from '../../firmware/pairing/paired-state.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import { systemClock } from '../../hal/node/clock.js';
import { SimControl } from '../../sim/control/control.js';
import { mintGrant, mintHeartbeat, present, testKey } from '../../tools/lib/mint.js';
import { PairClient } from '../../tools/lib/pair-client.js';
import { serialPair } from '../helpers/memory-serial.js';
import { waitUntil } from '../helpers/wait.js';

const LOCK = 'parcel-box';
const SECRET = Uint8Array.from(createHash('sha256').update('repair-grants keypad secret').digest()); // the installer refuses a patterned one
const owner = testKey('owner');
const manager = testKey('property-manager');
const anna = testKey('phone-anna');
const PIN = '482913';
const LABELS = ['1Z999AA10123456784', 'JD014600006281234567']; // each opens once: one per round

let running: Started | null = null;
afterEach(async () => {
  await running?.lock.stop();
  running?.world?.io.close();
  purgeJohnnyFive();
  running = null;
});

async function boot(stateDir: string) {
  const [lockEnd, installerEnd] = serialPair();
  const config = parseLockConfig({ stateDir, pairing: { port: 'memory' }, autoRelockMs: 2_000, delivery: { cameraConfirmMs: 3_000, postRollMs: 0, relockIfUnopenedMs: 2_000 } });
  running = await startLock({ board: 'parcel-box-sim', config, logger: createLogger({ level: 'silent' }), clock: systemClock, openSerial: async () => lockEnd });
  return { started: running, control: new SimControl(running.world!, systemClock), installer: new PairClient(installerEnd, 'memory') };
}

async function stop() {
  await running!.lock.stop();
  running!.world?.io.close();
  purgeJohnnyFive();
  running = null;
}

/** Every way in that was pushed: returns which opened (waiting for the bolt, then for it to relock). */
async function tryAll(b: Awaited<ReturnType<typeof boot>>, leaf: Uint8Array, chain: Uint8Array[], label: string) {
  const seen: { via: string; allow: boolean; reason: string }[] = [];
  b.started.lock.app.local!.events.on('access', (e) => seen.push(e));
  const one = async (act: () => Promise<unknown> | void, via: string) => {
    const before = seen.length;
    await act();
    const e = await waitUntil(() => seen.slice(before).find((x) => x.via === via), `a ${via} decision`, 20_000);
    await waitUntil(() => b.started.world!.bolt.isThrown, 'the bolt thrown again', 30_000);
    return e.allow;
  };
  return {
    // This board has no keypad: the PIN is looked up exactly as a keypad entry is.
    pin: b.started.lock.app.core!.decideCredential(pinDigest(SECRET, PIN), 'pin', { deferUses: true }).allow,
    parcel: await one(() => b.control.scanBarcode(label), 'barcode'),
    phone: await one(() => b.control.tapPhone({ respond: (challenge) => present(chain, anna, LOCK, challenge, leaf) }), 'reader'),
  };
}

describe('grants pushed to the lock are durable', () => {
  it('a PIN, tracking numbers and a delegated phone grant open after a restart and after a same-owner re-pairing', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'repair-grants-'));
    writePaired(stateDir, { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], keypadSecret: SECRET, mqtt: null });
    let b = await boot(stateDir);
    const inbound = b.started.lock.inbound!;
    const now = Math.floor(Date.now() / 1000);
    inbound.heartbeat(mintHeartbeat(owner, { time: now, seq: 0, aud: LOCK }));
    const cti = (n: number) => new Uint8Array(16).fill(n);
    inbound.grants(mintGrant(owner, { aud: LOCK, cti: cti(1), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(SECRET, PIN)] } }));
    inbound.grants(mintGrant(owner, { aud: LOCK, cti: cti(2), role: 'resident', credential: { kind: 'tracking', digests: LABELS.map((l) => trackingDigest(SECRET, l)) }, maxUses: 5 }));
    const delegation = mintGrant(owner, { aud: LOCK, cti: cti(3), holderKey: manager.publicKey, delegation: { roles: ['guest'], maxUses: null, maxDepth: 0 } });
    const leaf = cti(4);
    const guest = mintGrant(manager, { aud: LOCK, cti: leaf, role: 'guest', holderKey: anna.publicKey });
    inbound.grants(encodeDeterministic([delegation, guest]));
    const stored = b.started.lock.app.outbox!.pending().length;
    expect(stored).toBeGreaterThan(0);

    await stop();
    b = await boot(stateDir); // a restart: nothing pushed again
    expect(await tryAll(b, leaf, [delegation, guest], LABELS[0]!)).toEqual({ pin: true, parcel: true, phone: true });

    // The installer pairs it again: same lock id and owners (say, a new broker or time zone).
    const opened = new Promise<void>((resolve) => b.started.lock.pairing!.events.on('window', () => resolve()));
    b.control.pressPairButton();
    await opened;
    const reply = await b.installer.request('pair', new Map<string, unknown>([
      ['lockId', LOCK], ['timeZone', 'Europe/Paris'], ['time', Math.floor(Date.now() / 1000)], ['ownerKeys', [owner.publicKey]], ['keypadSecret', SECRET],
    ]), 15_000);
    expect(reply.get('lockId')).toBe(LOCK);
    await waitUntil(() => b.started.lock.app.core?.config.timeZone === 'Europe/Paris', 'the services rebuilt on the new pairing', 20_000);
    expect(await tryAll(b, leaf, [delegation, guest], LABELS[1]!)).toEqual({ pin: true, parcel: true, phone: true });
  }, 180_000);
});
