// 1,000 simulated locks on one Mosquitto (TLS loopback), each with its own revocation topic, its
// own state directory and its own signed list: the owner publishes all lists at once, and each
// lock's time from its list's publish to enforcing it is recorded (--full only: heavy).
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
import { mintRevocations } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { type Figure, percentile } from './figures.js';

const until = async (done: () => boolean, what: string, ms = 300_000) => {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) throw new Error(`fleet: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export async function benchFleet(count: number): Promise<Figure[]> {
  const owner = fastKey('owner');
  const ids = Array.from({ length: count }, (_, i) => `lock-${String(i).padStart(4, '0')}`);
  const broker = await startBroker([{ name: 'owner', password: 'o' }, ...ids.map((id) => ({ name: id, password: `p-${id}` }))], { saveEveryChange: false });
  const root = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const enforcedAt = new Map<string, number>();
  const handlerMs: number[] = [];
  const afterMs: number[] = [];
  const durableMs: number[] = [];
  const locks = ids.map((id, i) => {
    const dir = join(root, id);
    const store = new FileStore(dir);
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: id, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: systemClock, random: seededRandom(i), store });
    const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(10_000 + i)), systemClock, { lockId: id, cap: 1000 });
    // Each lock's own work on its list, timed in its handler (verify, enforce, the durable write) and
    // after its PUBACK (the outcome event into the outbox): apart from the queueing of 1,000 locks on one core.
    const handlers = syncHandlers(core, outbox, null);
    const apply = handlers.revocations.bind(handlers);
    handlers.revocations = (payload) => {
      const t0 = performance.now();
      const after = apply(payload);
      const t1 = performance.now();
      handlerMs.push(t1 - t0);
      if (enforcedAt.has(id)) durableMs.push(t1 - enforcedAt.get(id)!);
      return after && (() => {
        const a0 = performance.now();
        after();
        afterMs.push(performance.now() - a0);
      });
    };
    const link = new MqttLink({ url: broker.url, lockId: id, username: id, password: `p-${id}`, ca: broker.ca, clock: systemClock, random: seededRandom(20_000 + i), backoff: { minMs: 200, maxMs: 5000 } }, handlers, outbox);
    core.events.on('revocations', () => enforcedAt.set(id, performance.now()));
    return { id, store, core, outbox, link };
  });
  const app = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'o', protocolVersion: 5 });
  try {
    await new Promise<void>((r) => app.once('connect', () => r()));
    const c0 = performance.now();
    for (const lock of locks) lock.link.start();
    await until(() => locks.every((l) => l.link.connected), 'every lock to connect');
    const connectS = (performance.now() - c0) / 1000;
    const lists = ids.map((id) => mintRevocations(owner, { seq: 1, aud: id, iat: Math.floor(Date.now() / 1000), grants: [new Uint8Array(16).fill(7)] }));
    const publishedAt = new Map<string, number>();
    const t0 = performance.now();
    for (const [i, id] of ids.entries()) {
      publishedAt.set(id, performance.now());
      app.publish(`locks/${id}/revocations`, Buffer.from(lists[i]!), { qos: 1, retain: true });
    }
    await until(() => enforcedAt.size === count, 'every lock to enforce its list');
    const all = (Math.max(...enforcedAt.values()) - t0) / 1000;
    const each = ids.map((id) => enforcedAt.get(id)! - publishedAt.get(id)!).sort((a, b) => a - b);
    return [
      { name: `${count} locks connected (TLS) in`, value: connectS, unit: 's' },
      { name: 'per lock, its list published -> enforced, p50', value: percentile(each, 50), unit: 'ms' },
      { name: 'per lock, its list published -> enforced, p99', value: percentile(each, 99), unit: 'ms' },
      { name: `all ${count} locks enforcing their new list, from the first publish`, value: all, unit: 's', note: 'one process hosts every lock: their work is serialised on one core' },
      { name: "per lock, its own work to the PUBACK (verify, enforce, durable write), p50", value: percentile(sorted(handlerMs), 50), unit: 'ms', note: `p99 ${percentile(sorted(handlerMs), 99).toFixed(2)} ms; ${(sum(handlerMs) / 1000).toFixed(2)} s for all` },
      { name: '  of which the durable snapshot write (first in its directory: file and directory fsync), p50', value: percentile(sorted(durableMs), 50), unit: 'ms', note: `p99 ${percentile(sorted(durableMs), 99).toFixed(2)} ms; ${(sum(durableMs) / 1000).toFixed(2)} s for all` },
      { name: 'per lock, after the PUBACK (the outcome event into the outbox), p50', value: percentile(sorted(afterMs), 50), unit: 'ms', note: `p99 ${percentile(sorted(afterMs), 99).toFixed(2)} ms; ${(sum(afterMs) / 1000).toFixed(2)} s for all` },
    ];
  } finally {
    await Promise.all(locks.map((l) => l.link.stop()));
    for (const l of locks) {
      l.outbox.close();
      l.store.close();
    }
    await new Promise<void>((r) => app.end(true, {}, () => r()));
    await broker.stop();
  }
}
