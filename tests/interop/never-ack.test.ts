// The lock against a broker that never acknowledges (real time, real sockets, the device's boot
// path): its outbox stays under its byte cap on disk however much happens, it keeps security events
// over ordinary ones, coalesces junk, and keeps deciding at the door.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningLock } from '../../firmware/boot.js';
import { parseLockConfig } from '../../firmware/config.js';
import { createLogger } from '../../firmware/log.js';
import { startLock } from '../../firmware/main.js';
import { systemClock } from '../../hal/node/clock.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import type { SimBoard } from '../../sim/board.js';
import { mintGrant, mintHeartbeat, present, testKey } from '../../tools/lib/mint.js';
import { type SilentBroker, startSilentBroker } from '../helpers/silent-broker.js';
import { waitUntil } from '../helpers/wait.js';

const LOCK = 'front-door';
const owner = testKey('owner');
const CAP = 65_536;
let broker: SilentBroker | null = null;
let lock: RunningLock | null = null;
let world: SimBoard | null = null;
afterAll(async () => {
  await lock?.stop();
  world?.io.close();
  purgeJohnnyFive();
  await broker?.close();
});

describe('a broker that never acknowledges', () => {
  it('disk use stays under the cap, security events are kept over ordinary ones, junk is coalesced, the lock keeps deciding', async () => {
    broker = await startSilentBroker();
    const dir = mkdtempSync(join(tmpdir(), 'never-ack-'));
    const config = parseLockConfig({
      access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: dir },
      mqtt: { url: broker.url, protocolVersion: 4, outboxBytes: CAP, homeAssistant: { enabled: false } },
    });
    const started = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }), clock: systemClock });
    lock = started.lock;
    world = started.world;
    const outbox = lock.app.outbox!;
    await waitUntil(() => broker!.received.length > 0, 'the lock to connect and publish', 30_000);
    // Junk on every inbound topic, again and again: a handful of events, not thousands.
    const junk = Uint8Array.from({ length: 200 }, (_, i) => (i * 31) & 0xff);
    for (let i = 0; i < 300; i++) for (const topic of ['revocations', 'heartbeat', 'grants', 'commands']) broker.publish(`locks/${LOCK}/${topic}`, junk);
    // Ordinary events, far more bytes than the cap: accepted heartbeats (each a normal event).
    const t0 = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 600; i++) broker.publish(`locks/${LOCK}/heartbeat`, mintHeartbeat(owner, { time: t0 + i, seq: 0, aud: LOCK }));
    await waitUntil(() => lock!.app.core!.lastHeartbeat?.time === t0 + 599, 'the last heartbeat applied', 120_000);
    const pending = outbox.pending();
    const kinds = pending.map((e) => e.priority);
    expect(statSync(join(dir, 'outbox')).size).toBeLessThan(2 * CAP + 1024 * 1024);
    expect(pending.reduce((n, e) => n + e.bytes.length + 14, 0)).toBeLessThanOrEqual(CAP);
    expect(outbox.dropped).toBeGreaterThan(100); // ordinary heartbeat events made room
    // The refusals (security) are all still there: one per topic and reason, the repeats only counted.
    const security = pending.filter((e) => e.priority === 'security').length;
    expect(security).toBeGreaterThanOrEqual(4);
    expect(security).toBeLessThan(20);
    expect(kinds).toContain('normal'); // and the newest ordinary ones fill what is left
    // Still deciding at the door.
    const anna = testKey('phone-anna');
    const cti = new Uint8Array(16).fill(0x61);
    const grant = mintGrant(owner, { aud: LOCK, cti, role: 'owner', holderKey: anna.publicKey });
    const seen: boolean[] = [];
    lock.app.local!.events.on('access', (e) => seen.push(e.allow));
    world!.credentialReader.tap({ respond: (challenge) => present([grant], anna, LOCK, challenge, cti) });
    await waitUntil(() => seen.length > 0, 'a decision', 30_000);
    expect(seen).toEqual([true]);
  }, 240_000);
});
