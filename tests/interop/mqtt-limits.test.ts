// Bounded inputs on the MQTT link (issue 13), against a real Mosquitto: under MQTT 3.1.1, where the
// protocol has no packet limit, an oversize packet is refused from its header (the connection drops
// before its body is read), and the lock carries on with the next message.
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { brokerPerFile } from '../helpers/broker-per-file.js';
import { mintHeartbeat, mintRevocations, testKey } from '../../tools/lib/mint.js';
import { waitUntil } from '../helpers/wait.js';
import { bootOnBroker } from '../helpers/mqtt-lock.js';

const owner = testKey('owner');
const mq = brokerPerFile([{ name: 'owner', password: 'owner-secret' }, { name: 'front-door', password: 'front-secret' }]); // skipped (or failed under CI=true) without Mosquitto
const { missingTools, cleanup } = mq;

describe.skipIf(missingTools)('MQTT 3.1.1: a maximum incoming packet size', () => {
  it('a lock configured for a longer revocation list (maxRevocationEntries) takes a packet that long, and applies the list', async () => {
    const lock = await bootOnBroker({ broker: mq.broker, lockId: 'front-door', password: 'front-secret', ownerKey: owner.publicKey, protocolVersion: 4, maxRevocationEntries: 100_000 });
    cleanup.push(lock.stop);
    const refused: number[] = [];
    lock.link.events.on('packet-refused', (e) => refused.push(e.bytes));
    await waitUntil(() => lock.link.connected, 'the lock to connect');
    // 100,000 grant ids: 1.6 MB signed, over the default 1 MiB packet limit.
    const ids = Array.from({ length: 100_000 }, (_, i) => Uint8Array.from(Buffer.alloc(16).fill(i & 0xff, 0, 8).fill(i >> 8, 8)));
    const list = mintRevocations(owner, { seq: 7, aud: 'front-door', iat: Math.floor(Date.now() / 1000), grants: ids });
    expect(list.length).toBeGreaterThan(1 << 20);
    const app: MqttClient = mqtt.connect(mq.broker.url, { ca: mq.broker.ca, username: 'owner', password: 'owner-secret', protocolVersion: 4, clientId: 'owner-long-list' });
    cleanup.push(() => new Promise<void>((r) => app.end(true, {}, () => r())));
    await new Promise<void>((resolve) => app.once('connect', () => resolve()));
    await new Promise<void>((resolve, reject) => app.publish('locks/front-door/revocations', Buffer.from(list), { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    await waitUntil(() => lock.core.revocationSeq === 7, 'the long list to be applied');
    expect(refused).toEqual([]);
  }, 60_000);

  it('drops an oversize packet from its header and keeps applying what comes next', async () => {
    // The lock as the device boots it, on MQTT 3.1.1, with its default limit (1 MiB).
    const lock = await bootOnBroker({ broker: mq.broker, lockId: 'front-door', password: 'front-secret', ownerKey: owner.publicKey, protocolVersion: 4 });
    cleanup.push(lock.stop);
    const { core, link } = lock;
    const handlers = lock.lock.inbound!;
    const seen: number[] = [];
    const grants = handlers.grants;
    handlers.grants = (payload) => {
      seen.push(payload.length);
      return grants(payload);
    };
    const refused: { bytes: number; limit: number }[] = [];
    link.events.on('packet-refused', (e) => refused.push(e));
    await waitUntil(() => link.connected, 'the lock to connect');

    const app: MqttClient = mqtt.connect(mq.broker.url, { ca: mq.broker.ca, username: 'owner', password: 'owner-secret', protocolVersion: 4, clientId: 'owner-limits' });
    cleanup.push(() => new Promise<void>((r) => app.end(true, {}, () => r())));
    await new Promise<void>((resolve) => app.once('connect', () => resolve()));
    const publish = (topic: string, bytes: Uint8Array, qos: 0 | 1) =>
      new Promise<void>((resolve, reject) => app.publish(`locks/front-door/${topic}`, Buffer.from(bytes), { qos }, (e) => (e ? reject(e) : resolve())));

    await publish('grants', new Uint8Array(1100 * 1024).fill(0x41), 0);
    await waitUntil(() => refused.length > 0, 'the oversize packet to be refused');
    expect(refused[0]!.limit).toBe(1 << 20);
    expect(refused[0]!.bytes).toBeGreaterThan(1100 * 1024);
    await waitUntil(() => link.connected, 'the lock to reconnect');
    const beat = mintHeartbeat(owner, { time: Math.floor(Date.now() / 1000), seq: 0, aud: 'front-door' });
    await publish('heartbeat', beat, 1);
    await publish('grants', new Uint8Array(1000).fill(0x41), 1);
    await waitUntil(() => core.lastHeartbeat !== null && seen.length > 0, 'the next messages to be applied');
    expect(seen).toEqual([1000]); // the oversize one never reached a handler
  }, 60_000);
});
