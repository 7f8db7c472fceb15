// Revocations over a real loopback Mosquitto (TLS): the lock's own share (verify, enforce, the
// durable write, before the PUBACK) and the end-to-end time from the owner's publish to the lock's
// signed report reaching the owner, against a plain client-to-client round trip through the same
// broker, interleaved round by round.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
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
import { atMost, type Figure, percentile } from './figures.js';

const connect = (url: string, ca: Buffer, username: string, password: string) =>
  new Promise<MqttClient>((resolve) => {
    const client = mqtt.connect(url, { ca, username, password, protocolVersion: 5 });
    client.once('connect', () => resolve(client));
  });

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setImmediate(r));
};

export async function benchRevocationLatency(rounds: number): Promise<Figure[]> {
  const owner = fastKey('owner');
  const broker = await startBroker([{ name: 'owner', password: 'o' }, { name: 'front-door', password: 'f' }, { name: 'echo', password: 'e' }], { saveEveryChange: false });
  const dir = mkdtempSync(join(tmpdir(), 'bench-mqtt-'));
  const store = new FileStore(dir);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: systemClock, random: seededRandom(1), store });
  const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(2)), systemClock, { lockId: 'front-door', cap: 100_000 });
  // The lock's share: the handler, from the message to the point where MQTT.js sends the PUBACK.
  const handlers = syncHandlers(core, outbox, null);
  const share = { cpu: [] as number[], wall: [] as number[] };
  const revocations = handlers.revocations.bind(handlers);
  handlers.revocations = (payload) => {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const after = revocations(payload);
    share.wall.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    share.cpu.push((c.user + c.system) / 1000);
    return after;
  };
  const link = new MqttLink({ url: broker.url, lockId: 'front-door', username: 'front-door', password: 'f', ca: broker.ca, clock: systemClock, random: seededRandom(3) }, handlers, outbox);
  const app = await connect(broker.url, broker.ca, 'owner', 'o');
  const echo = await connect(broker.url, broker.ca, 'echo', 'e');
  let reports = 0;
  let pongs = 0;
  app.on('message', (topic) => (topic.endsWith('/events') ? reports++ : pongs++));
  echo.on('message', () => echo.publish('locks/echo/pong', 'pong', { qos: 1 }));
  await Promise.all([
    new Promise((r) => app.subscribe(['locks/front-door/events', 'locks/echo/pong'], { qos: 1 }, r)),
    new Promise((r) => echo.subscribe('locks/echo/ping', { qos: 1 }, r)),
  ]);
  try {
    link.start();
    await until(() => link.connected);
    const lists = Array.from({ length: rounds }, (_, i) => mintRevocations(owner, { seq: i + 1, aud: 'front-door', iat: 1780308000, grants: [new Uint8Array(16).fill(i % 250)] }));
    const plain: number[] = [];
    const enforced: number[] = [];
    const endToEnd: number[] = [];
    for (const [i, list] of lists.entries()) {
      let t0 = performance.now();
      const pong = pongs + 1;
      app.publish('locks/echo/ping', 'ping', { qos: 1 });
      await until(() => pongs >= pong);
      plain.push(performance.now() - t0);
      const report = reports + 1;
      t0 = performance.now();
      app.publish('locks/front-door/revocations', Buffer.from(list), { qos: 1 });
      await until(() => core.revocationSeq === i + 1);
      enforced.push(performance.now() - t0);
      await until(() => reports >= report);
      endToEnd.push(performance.now() - t0);
    }
    const skip = Math.min(20, Math.floor(rounds / 10));
    const sorted = (xs: number[]) => xs.slice(skip).sort((a, b) => a - b);
    const [rtt, e2e, enf, cpu, wall] = [plain, endToEnd, enforced, share.cpu, share.wall].map(sorted) as [number[], number[], number[], number[], number[]];
    return [
      atMost("lock's own share (verify, enforce, durable snapshot; to PUBACK), wall p50", percentile(wall, 50), 'ms', 2, '2 ms', `CPU p50 ${percentile(cpu, 50).toFixed(2)} ms; wall p99 ${percentile(wall, 99).toFixed(2)} ms`),
      { name: 'plain client-to-client round trip, same broker, p50 / p99', value: percentile(rtt, 50), unit: 'ms', note: `p99 ${percentile(rtt, 99).toFixed(2)} ms` },
      { name: 'owner publishes -> lock enforces, p50 / p99', value: percentile(enf, 50), unit: 'ms', note: `p99 ${percentile(enf, 99).toFixed(2)} ms` },
      { name: "owner publishes -> lock's signed report arrives, p50", value: percentile(e2e, 50), unit: 'ms' },
      atMost("owner publishes -> lock's signed report arrives, p99", percentile(e2e, 99), 'ms', 2 * percentile(rtt, 99), `2x plain round trip p99 (${(2 * percentile(rtt, 99)).toFixed(2)} ms)`),
    ];
  } finally {
    await link.stop();
    await Promise.all([app, echo].map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
    outbox.close();
    store.close();
    await broker.stop();
  }
}
