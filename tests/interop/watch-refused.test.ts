// `lockctl watch` against the simulator's in-process broker (aedes, MQTT 3.1.1 only): by default
// (MQTT 5) the broker refuses it, and watch says so and exits 1 instead of ending silently; with
// --mqtt-version 4 it connects and prints the lock's events.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../firmware/identity.js';
import { Outbox } from '../../firmware/sync/outbox.js';
import { systemClock } from '../../hal/node/clock.js';
import { type InProcessBroker, startInProcessBroker } from '../../sim/broker.js';
import { main as lockctl } from '../../tools/lockctl.js';

const LOCK = 'front-door';
let broker: InProcessBroker;
beforeAll(async () => {
  broker = await startInProcessBroker();
});
afterAll(async () => {
  await broker?.close();
});

describe("lockctl watch on the simulator's broker", () => {
  it('a broker that refuses MQTT 5 ends watch with exit 1 and the reason, naming --mqtt-version 4', async () => {
    const out: string[] = [];
    const code = await lockctl(['watch', '--url', broker.url, '--lock', LOCK, '--json'], (l) => out.push(l));
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/refused the connection: .*protocol version.*--mqtt-version 4/i);
  }, 30_000);

  it('--mqtt-version 4 connects and prints the verified event', async () => {
    const device = identityFromSeed(new Uint8Array(32).fill(3));
    const outbox = new Outbox(mkdtempSync(join(tmpdir(), 'watch-311-')), device, systemClock, { lockId: LOCK, cap: 10 });
    outbox.append('door', new Map([['state', 'open']]));
    const [event] = outbox.pending();
    outbox.close();
    // Retained for the test, so it is there whenever watch subscribes.
    const publisher = mqtt.connect(broker.url, { protocolVersion: 4 });
    await new Promise((r) => publisher.once('connect', r));
    await publisher.publishAsync(`locks/${LOCK}/events`, Buffer.from(event!.bytes), { qos: 1, retain: true });
    await publisher.endAsync();
    const out: string[] = [];
    const code = await lockctl(
      ['watch', '--url', broker.url, '--lock', LOCK, '--mqtt-version', '4', '--device-key', Buffer.from(device.publicKey).toString('hex'), '--count', '1'],
      (l) => out.push(l),
    );
    expect(out).toEqual([expect.stringMatching(/^#1 \S+Z door +state=open$/)]);
    expect(code).toBe(0);
  }, 30_000);

  it('refuses an --mqtt-version it does not know (usage)', async () => {
    const out: string[] = [];
    expect(await lockctl(['watch', '--url', broker.url, '--lock', LOCK, '--mqtt-version', '3'], (l) => out.push(l))).toBe(2);
  });
});
