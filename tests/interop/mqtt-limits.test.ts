// Bounded inputs on the MQTT link (issue 13), against a real Mosquitto: under MQTT 3.1.1, where the
// protocol has no packet limit, an oversize packet is refused from its header (the connection drops
// before its body is read), and the lock carries on with the next message.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { FileStore } from '../../firmware/store/file-store.js';
import { MqttLink } from '../../firmware/sync/link.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { syncHandlers } from '../../firmware/sync/service.js';
import { systemClock } from '../../hal/node/clock.js';
import { seededRandom } from '../../hal/node/random.js';
import { mintHeartbeat, testKey } from '../../tools/lib/mint.js';
import { type Broker, startBroker } from '../helpers/mosquitto.js';
import { waitUntil } from '../helpers/wait.js';

const owner = testKey('owner');
let broker: Broker;
beforeAll(async () => {
  broker = await startBroker([{ name: 'owner', password: 'owner-secret' }, { name: 'front-door', password: 'front-secret' }]);
}, 30_000);
afterAll(async () => {
  await broker?.stop();
});
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
}, 60_000);

describe('MQTT 3.1.1: a maximum incoming packet size', () => {
  it('drops an oversize packet from its header and keeps applying what comes next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-mqtt-limit-'));
    const store = new FileStore(dir);
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: systemClock, random: seededRandom(5), store });
    const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(4)), systemClock, { lockId: 'front-door', cap: 1000 });
    const handlers = syncHandlers(core, outbox, null);
    const seen: number[] = [];
    const grants = handlers.grants;
    handlers.grants = (payload) => {
      seen.push(payload.length);
      grants(payload);
    };
    const link = new MqttLink(
      { url: broker.url, lockId: 'front-door', username: 'front-door', password: 'front-secret', ca: broker.ca, clock: systemClock, random: seededRandom(6), backoff: { minMs: 100, maxMs: 500 }, protocolVersion: 4, maxPacketBytes: 64 * 1024 },
      handlers,
      outbox,
    );
    const refused: { bytes: number; limit: number }[] = [];
    link.events.on('packet-refused', (e) => refused.push(e));
    cleanup.push(async () => {
      await link.stop();
      outbox.close();
      store.close();
    });
    link.start();
    await waitUntil(() => link.connected, 'the lock to connect');

    const app: MqttClient = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'owner-secret', protocolVersion: 4, clientId: 'owner-limits' });
    cleanup.push(() => new Promise<void>((r) => app.end(true, {}, () => r())));
    await new Promise<void>((resolve) => app.once('connect', () => resolve()));
    const publish = (topic: string, bytes: Uint8Array, qos: 0 | 1) =>
      new Promise<void>((resolve, reject) => app.publish(`locks/front-door/${topic}`, Buffer.from(bytes), { qos }, (e) => (e ? reject(e) : resolve())));

    await publish('grants', new Uint8Array(100 * 1024).fill(0x41), 0);
    await waitUntil(() => refused.length > 0, 'the oversize packet to be refused');
    expect(refused[0]!.limit).toBe(64 * 1024);
    expect(refused[0]!.bytes).toBeGreaterThan(100 * 1024);
    await waitUntil(() => link.connected, 'the lock to reconnect');
    const beat = mintHeartbeat(owner, { time: Math.floor(Date.now() / 1000), seq: 0, aud: 'front-door' });
    await publish('heartbeat', beat, 1);
    await publish('grants', new Uint8Array(1000).fill(0x41), 1);
    await waitUntil(() => core.lastHeartbeat !== null && seen.length > 0, 'the next messages to be applied');
    expect(seen).toEqual([1000]); // the oversize one never reached a handler
  }, 60_000);
});
