// Outbox drain after an outage over a real loopback Mosquitto (TLS): 10,000 events queued offline,
// then the link connects and each is published and marked delivered on its PUBACK.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { loadOrCreateIdentity } from '../firmware/identity.js';
import { FileStore } from '../firmware/store/file-store.js';
import { MqttLink } from '../firmware/sync/link.js';
import { Outbox } from '../firmware/sync/outbox.js';
import { syncHandlers } from '../firmware/sync/service.js';
import { systemClock } from '../hal/node/clock.js';
import { seededRandom } from '../hal/node/random.js';
import { startBroker } from '../tests/helpers/mosquitto.js';
import { testKey } from '../tools/lib/mint.js';
import type { Figure } from './figures.js';

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
