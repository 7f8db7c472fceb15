// `lockctl watch` against a real Mosquitto: the readable trail of a delivery as the lock publishes
// it, each event verified against the lock's device key, and a gap flagged when an event is
// withheld on the way. Real time and sockets: every wait is for a condition, with a deadline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { identityFromSeed, loadOrCreateIdentity } from '../../firmware/identity.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { systemClock } from '../../hal/node/clock.js';
import { seededRandom } from '../../hal/node/random.js';
import { main as lockctl } from '../../tools/lockctl.js';
import { mintHeartbeat } from '../../tools/lib/mint.js';
import { watchEvents } from '../../tools/lib/watch.js';
import { DELIVERY_CONFIG, DELIVERY_TRAIL, LOCK, MON_1000, owner, runDelivery, SECRET, ZONE } from '../helpers/delivery.js';
import { type Broker, startBroker } from '../helpers/mosquitto.js';
import { requireTools } from '../helpers/tools.js';
import { startSimLock } from '../helpers/sim-lock.js';
import { bootOnBroker } from '../helpers/mqtt-lock.js';
import { waitUntil } from '../helpers/wait.js';

let broker: Broker;
const dir = mkdtempSync(join(tmpdir(), 'watch-'));
const missingTools = requireTools('mosquitto', 'mosquitto_passwd', 'openssl'); // skipped (or failed under CI=true) without them
beforeAll(async () => {
  if (missingTools) return;
  broker = await startBroker([{ name: 'owner', password: 'owner-secret' }, { name: LOCK, password: 'front-secret' }]);
  writeFileSync(join(dir, 'ca.pem'), broker.ca);
  writeFileSync(join(dir, 'owner.password'), 'owner-secret\n');
}, 30_000);
afterAll(async () => {
  await broker?.stop();
});
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
}, 30_000);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** The words of a trail line: "delivery started", "bolt unlocked", "access allowed"... as the delivery helper names them. */
function words(line: string): string | null {
  const m = /^#\d+ \S+ (\S+) +(.*)$/.exec(line);
  if (!m) return null;
  const f = Object.fromEntries(m[2]!.split(' ').map((kv) => kv.split('=') as [string, string]));
  const word: Record<string, () => string> = {
    delivery: () => `delivery ${f.step}`,
    access: () => `access ${f.allow === 'true' ? 'allowed' : `refused ${f.reason}`}`,
    bolt: () => `bolt ${f.to}`,
    door: () => `door ${f.state}`,
    alarm: () => `alarm ${f.kind} ${f.active === 'true' ? 'raised' : 'cleared'}`,
  };
  return word[m[1]!]?.() ?? null;
}

describe.skipIf(missingTools)('lockctl watch on Mosquitto', () => {
  it('prints the readable, verified trail of a delivery as the lock publishes it, in order, with no gap', async () => {
    // The delivery on the simulated board, into the lock's durable outbox; the real link publishes it.
    const stateDir = mkdtempSync(join(tmpdir(), 'watch-delivery-'));
    const sim = await startSimLock({
      startMs: MON_1000,
      config: { autoRelockMs: 30_000, delivery: DELIVERY_CONFIG },
      access: { lockId: LOCK, timeZone: ZONE, ownerKeys: [owner.publicKey], keypadSecret: SECRET, stateDir },
    });
    try {
      sim.running.inbound!.heartbeat(mintHeartbeat(owner, { time: Math.floor(MON_1000 / 1000), seq: 0, aud: LOCK }));
      runDelivery(sim);
    } finally {
      await sim.close();
    }
    const device = loadOrCreateIdentity(stateDir, seededRandom(7));
    const lines: string[] = [];
    const watching = watchEvents({ url: broker.url, lockId: LOCK, deviceKey: device.publicKey, username: 'owner', password: 'owner-secret', ca: broker.ca }, (l) => lines.push(l));
    cleanup.push(() => watching.stop());
    await watching.ready;

    // The lock comes back with its broker (same state directory, the device's boot path) and sends what it kept.
    const lock = await bootOnBroker({ broker, lockId: LOCK, password: 'front-secret', ownerKey: owner.publicKey, dir: stateDir });
    cleanup.push(lock.stop);
    const total = lock.outbox.next - 1;
    await waitUntil(() => lines.filter((l) => l.startsWith('#')).length >= total, `all ${total} events printed`, 30_000);

    expect(lines.filter((l) => /^(GAP|REFUSED)/.test(l))).toEqual([]);
    expect(watching.trail.gaps).toBe(0);
    expect(lines.map(words).filter((w) => w !== null)).toEqual(['bolt locked', ...DELIVERY_TRAIL, 'bolt locked']); // the last: the lock reading its bolt as it came back
    const seqs = lines.map((l) => Number(/^#(\d+) /.exec(l)?.[1])).filter((n) => n > 0);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Readable: dates, not [seconds, ms] pairs; the heartbeat the owner sent is confirmed.
    expect(lines.find((l) => / delivery +step=completed /.test(l))).toMatch(/relockedAt=2026-06-01T08:\d\d:\d\d\.\d{3}Z/);
    expect(lines.find((l) => / heartbeat /.test(l))).toMatch(/ok=true seq=0 time=\d+ revocationSeq=0/);
    expect(lines.find((l) => / access /.test(l))).toMatch(/via=reader kind=phone allow=true reason=ok grant=[0-9a-f]{32} role=delivery/);
  }, 90_000);

  it('flags the event withheld on the way as a gap, and one not signed by the lock as refused (the CLI, on a persistent session)', async () => {
    // The lock's own outbox signs three events; the "network" passes on the first and third only.
    const device = identityFromSeed(new Uint8Array(32).fill(3));
    const outbox = new Outbox(mkdtempSync(join(tmpdir(), 'watch-gap-')), device, systemClock, { lockId: LOCK, cap: 100 });
    cleanup.push(() => outbox.close());
    for (const state of ['open', 'closed', 'open'] as const) outbox.append('door', new Map([['state', state]]));
    const [first, withheld, third] = outbox.pending();
    const forger = new Outbox(mkdtempSync(join(tmpdir(), 'watch-forged-')), identityFromSeed(new Uint8Array(32).fill(4)), systemClock, { lockId: LOCK, cap: 100 });
    cleanup.push(() => forger.close());
    forger.append('door', new Map([['state', 'closed']]));
    forger.append('door', new Map([['state', 'closed']]));
    forger.append('door', new Map([['state', 'closed']]));
    forger.append('access', new Map<string, unknown>([['via', 'remote'], ['kind', 'command'], ['allow', true], ['reason', 'ok']]));
    const forged = forger.pending().at(-1)!; // seq 4, signed by another key

    // A persistent session: created once, it keeps what arrives while nobody runs watch.
    const session = watchEvents({ url: broker.url, lockId: LOCK, username: 'owner', password: 'owner-secret', ca: broker.ca, session: 'owner-watch' }, () => {});
    await session.ready;
    await session.stop();
    const network = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'owner-secret' });
    cleanup.push(() => new Promise<void>((r) => network.end(true, {}, () => r())));
    await new Promise((r) => network.once('connect', r));
    for (const e of [first!, forged, third!]) await network.publishAsync(`locks/${LOCK}/events`, Buffer.from(e.bytes), { qos: 1 });
    expect(withheld!.seq).toBe(2);

    const out: string[] = [];
    const code = await lockctl(
      ['watch', '--url', broker.url, '--lock', LOCK, '--device-key', hex(device.publicKey), '--mqtt-user', 'owner', '--mqtt-password-file', join(dir, 'owner.password'),
        '--mqtt-ca', join(dir, 'ca.pem'), '--session', 'owner-watch', '--count', '2'],
      (l) => out.push(l),
    );
    expect(out).toEqual([
      expect.stringMatching(/^#1 \S+Z door +state=open$/),
      'REFUSED: an event that does not verify (wrong-device)',
      'GAP: event 2 missing',
      expect.stringMatching(/^#3 \S+Z door +state=open$/),
    ]);
    expect(code).toBe(3); // a gap or a bad event: a script notices
  }, 60_000);
});
