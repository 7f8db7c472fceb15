// Revocation latency over a real loopback Mosquitto (TLS): from the owner's publish to the lock
// refusing the revoked grant, including signature verification and the durable snapshot.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { loadOrCreateIdentity } from '../firmware/identity.js';
import { FileStore } from '../firmware/store/file-store.js';
import { MqttLink } from '../firmware/sync/link.js';
import { Outbox } from '../firmware/sync/outbox.js';
import { syncHandlers } from '../firmware/sync/service.js';
import { systemClock } from '../hal/node/clock.js';
import { seededRandom } from '../hal/node/random.js';
import { startBroker } from '../tests/helpers/mosquitto.js';
import { mintRevocations, testKey } from '../tools/lib/mint.js';
import { type Figure, percentile } from './figures.js';

export async function benchRevocationLatency(saveEveryChange: boolean, rounds = 300): Promise<Figure[]> {
  const owner = testKey('owner');
  const broker = await startBroker([{ name: 'owner', password: 'o' }, { name: 'front-door', password: 'f' }], { saveEveryChange });
  const dir = mkdtempSync(join(tmpdir(), 'bench-mqtt-'));
  const store = new FileStore(dir);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: systemClock, random: seededRandom(1), store });
  const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(2)), systemClock, { lockId: 'front-door', cap: 100_000 });
  const link = new MqttLink({ url: broker.url, lockId: 'front-door', username: 'front-door', password: 'f', ca: broker.ca, clock: systemClock, random: seededRandom(3) }, syncHandlers(core, outbox, null), outbox);
  const app = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'o', protocolVersion: 5 });
  try {
    await new Promise<void>((r) => app.once('connect', () => r()));
    link.start();
    while (!link.connected) await new Promise((r) => setTimeout(r, 5));
    const lists = Array.from({ length: rounds }, (_, i) => mintRevocations(owner, { seq: i + 1, aud: 'front-door', iat: 1780308000, grants: [new Uint8Array(16).fill(i % 250)] }));
    const times: number[] = [];
    for (const [i, list] of lists.entries()) {
      const t0 = performance.now();
      app.publish('locks/front-door/revocations', Buffer.from(list), { qos: 1, retain: true });
      while (core.revocationSeq !== i + 1) await new Promise((r) => setImmediate(r));
      times.push(performance.now() - t0);
    }
    const sorted = times.slice(20).sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    return [
      { name: `revocation enforced, p50 (broker saves ${saveEveryChange ? 'every change' : 'every 30 s'})`, value: percentile(sorted, 50), unit: 'ms' },
      { name: `revocation enforced, p99 (broker saves ${saveEveryChange ? 'every change' : 'every 30 s'})`, value: p99, unit: 'ms', bar: '<= 10 ms', ok: p99 <= 10 },
    ];
  } finally {
    await link.stop();
    await new Promise<void>((r) => app.end(true, {}, () => r()));
    outbox.close();
    store.close();
    await broker.stop();
  }
}

/** Outbox drain after an outage: 10,000 events queued offline, then the link connects. */
export async function benchDrain(events = 10_000): Promise<Figure[]> {
  const broker = await startBroker([{ name: 'front-door', password: 'f' }], { saveEveryChange: false });
  const dir = mkdtempSync(join(tmpdir(), 'bench-drain-'));
  const store = new FileStore(dir);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [testKey('owner').publicKey] }, { clock: systemClock, random: seededRandom(1), store });
  const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(2)), systemClock, { lockId: 'front-door', cap: 100_000 });
  const t0 = performance.now();
  for (let i = 0; i < events; i++) outbox.append('battery', new Map([['n', i]]));
  const appendMs = performance.now() - t0;
  const link = new MqttLink({ url: broker.url, lockId: 'front-door', username: 'front-door', password: 'f', ca: broker.ca, clock: systemClock, random: seededRandom(3) }, syncHandlers(core, outbox, null), outbox);
  try {
    const t1 = performance.now();
    link.start();
    while (outbox.size > 0) await new Promise((r) => setTimeout(r, 2));
    const drainMs = performance.now() - t1;
    return [
      { name: 'outbox append (sign + fsync), per event', value: (appendMs / events) * 1000, unit: 'us' },
      { name: `outbox drain after an outage (${events.toLocaleString('en')} events)`, value: events / (drainMs / 1000), unit: 'events/s', note: 'QoS 1, window 32, each delivery fsync\'d' },
    ];
  } finally {
    await link.stop();
    outbox.close();
    store.close();
    await broker.stop();
  }
}
