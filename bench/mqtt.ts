// Revocations over a real loopback Mosquitto (TLS). The lock's share is split in two: enforcement,
// from the message handed to the lock to a decision against the revoked grant being denied (the
// in-memory effect, the bar), and the durable snapshot write that follows it and precedes the PUBACK.
// End to end: the owner's publish to the lock's signed report reaching the owner, against a plain
// client-to-client round trip through the same broker, interleaved round by round.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { loadOrCreateIdentity } from '../firmware/identity.js';
import { FileStore } from '../firmware/store/file-store.js';
import { writeAtomic } from '../firmware/store/journal.js';
import { SnapshotSlots } from '../firmware/store/snapshot-slots.js';
import { nodeStorage } from '../hal/node/storage.js';
import { MqttLink } from '../firmware/sync/link.js';
import { Outbox } from '../firmware/sync/outbox.js';
import { syncHandlers } from '../firmware/sync/service.js';
import { systemClock } from '../hal/node/clock.js';
import { seededRandom } from '../hal/node/random.js';
import { startBroker } from '../tests/helpers/mosquitto.js';
import { mintGrant, mintRevocations, present } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { atMost, type Figure, percentile } from './figures.js';

const connect = (url: string, ca: Buffer, username: string, password: string) =>
  new Promise<MqttClient>((resolve) => {
    const client = mqtt.connect(url, { ca, username, password, protocolVersion: 5 });
    client.once('connect', () => {
      // As the lock's link does: no Nagle delay on small packets (else every hop can stall 40 ms on a delayed ACK).
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      resolve(client);
    });
  });

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setImmediate(r));
};

/**
 * The durable write alone, on the same disk, interleaved write by write: the two slots (one fsync)
 * against the atomic replace they replaced (temp file, fsync, rename, fsync the directory).
 */
function benchSnapshotWrite(rounds: number, list: Uint8Array): Figure[] {
  const dir = mkdtempSync(join(tmpdir(), 'bench-slots-'));
  const slots = new SnapshotSlots(dir, 'revocations', nodeStorage);
  const [twoSlots, atomic] = [[] as number[], [] as number[]];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    slots.save(list);
    twoSlots.push(performance.now() - t0);
    t0 = performance.now();
    writeAtomic(dir, 'revocations.cose', [list]);
    atomic.push(performance.now() - t0);
  }
  const [s, a] = [twoSlots, atomic].map((xs) => xs.slice(2).sort((x, y) => x - y)) as [number[], number[]];
  return [
    { name: `snapshot write (${list.length} B list): two slots, one fsync, wall p50`, value: percentile(s, 50), unit: 'ms', note: `p99 ${percentile(s, 99).toFixed(2)} ms` },
    { name: 'peer: atomic replace (temp, fsync, rename, fsync dir), wall p50', value: percentile(a, 50), unit: 'ms', note: `p99 ${percentile(a, 99).toFixed(2)} ms; slots / atomic p50 ${(percentile(s, 50) / percentile(a, 50)).toFixed(2)}x, interleaved` },
  ];
}

export async function benchRevocationLatency(rounds: number): Promise<Figure[]> {
  const owner = fastKey('owner');
  const broker = await startBroker([{ name: 'owner', password: 'o' }, { name: 'front-door', password: 'f' }, { name: 'echo', password: 'e' }], { saveEveryChange: false });
  const dir = mkdtempSync(join(tmpdir(), 'bench-mqtt-'));
  const store = new FileStore(dir);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock: systemClock, random: seededRandom(1), store });
  const outbox = new Outbox(dir, loadOrCreateIdentity(dir, seededRandom(2)), systemClock, { lockId: 'front-door', cap: 100_000 });
  // The lock's share, timed inside the handler MQTT.js calls with the decoded message: `entry`, then
  // `denied` (the 'revocations' event fires as the new list takes effect; a decision against the
  // grant it revokes is made there and must be denied), then the handler's return (the snapshot is
  // durable; MQTT.js sends the PUBACK next).
  const holder = fastKey('holder');
  const handlers = syncHandlers(core, outbox, null);
  const share = { enforceWall: [] as number[], enforceCpu: [] as number[], durableWall: [] as number[], totalWall: [] as number[], afterWall: [] as number[] };
  let entry = { wall: 0, cpu: process.cpuUsage() };
  let denied = 0;
  let probe: { grant: Uint8Array; cti: Uint8Array } | null = null;
  core.events.on('revocations', () => {
    if (!probe) return;
    const decision = core.decide(present([probe.grant], holder, 'front-door', core.issueChallenge(), probe.cti));
    if (decision.allow || decision.reason !== 'revoked-grant') throw new Error(`bench: the revoked grant was not denied at enforcement (${JSON.stringify(decision)})`);
    denied = performance.now();
    const c = process.cpuUsage(entry.cpu);
    share.enforceWall.push(denied - entry.wall);
    share.enforceCpu.push((c.user + c.system) / 1000);
  });
  const revocations = handlers.revocations.bind(handlers);
  handlers.revocations = (payload) => {
    entry = { wall: performance.now(), cpu: process.cpuUsage() };
    const after = revocations(payload);
    const done = performance.now();
    share.durableWall.push(done - denied);
    share.totalWall.push(done - entry.wall);
    return (
      after &&
      (() => {
        const a0 = performance.now();
        after();
        share.afterWall.push(performance.now() - a0);
      })
    );
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
    const ctis = Array.from({ length: rounds }, (_, i) => {
      const cti = new Uint8Array(16).fill(0x5a);
      new DataView(cti.buffer).setUint32(0, i);
      return cti;
    });
    const lists = ctis.map((cti, i) => mintRevocations(owner, { seq: i + 1, aud: 'front-door', iat: 1780308000, grants: [cti] }));
    const grants = ctis.map((cti) => mintGrant(owner, { aud: 'front-door', cti, role: 'resident', holderKey: holder.publicKey }));
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
      probe = { grant: grants[i]!, cti: ctis[i]! };
      t0 = performance.now();
      app.publish('locks/front-door/revocations', Buffer.from(list), { qos: 1 });
      await until(() => core.revocationSeq === i + 1);
      enforced.push(denied - t0); // the moment the decision against it was denied, not when this loop saw it
      await until(() => reports >= report);
      endToEnd.push(performance.now() - t0);
    }
    const skip = Math.min(20, Math.floor(rounds / 10));
    const sorted = (xs: number[]) => xs.slice(skip).sort((a, b) => a - b);
    const [rtt, e2e, enf, wall, cpu, durable, total, after] = [plain, endToEnd, enforced, share.enforceWall, share.enforceCpu, share.durableWall, share.totalWall, share.afterWall].map(sorted) as number[][] as [number[], number[], number[], number[], number[], number[], number[], number[]];
    if (share.enforceWall.length !== rounds) throw new Error(`bench: ${share.enforceWall.length} of ${rounds} lists were enforced with a denial checked`);
    const p = (xs: number[], q: number) => `${percentile(xs, q).toFixed(2)} ms`;
    return [
      ...benchSnapshotWrite(Math.max(40, Math.floor(rounds / 2)), lists.at(-1)!),
      atMost('revocation enforced: message handed to the lock -> a decision against it denied, wall p50', percentile(wall!, 50), 'ms', 2, '2 ms', `CPU p50 ${p(cpu!, 50)}; wall p99 ${p(wall!, 99)} (verify, parse, the new set in force, one denied decision)`),
      { name: 'then the durable snapshot write, before the PUBACK, wall p50', value: percentile(durable!, 50), unit: 'ms', note: `p99 ${p(durable!, 99)}` },
      { name: "lock's whole share to the PUBACK (enforce + durable), wall p50", value: percentile(total!, 50), unit: 'ms', note: `p99 ${p(total!, 99)}` },
      { name: 'after the PUBACK: the outcome event into the outbox (sign, append, fsync), wall p50', value: percentile(after!, 50), unit: 'ms', note: `p99 ${p(after!, 99)}` },
      { name: 'plain client-to-client round trip, same broker, p50 / p99', value: percentile(rtt!, 50), unit: 'ms', note: `p99 ${p(rtt!, 99)}` },
      { name: 'owner publishes -> a decision against it denied at the lock, p50 / p99', value: percentile(enf!, 50), unit: 'ms', note: `p99 ${p(enf!, 99)}` },
      { name: "owner publishes -> lock's signed report arrives, p50", value: percentile(e2e!, 50), unit: 'ms' },
      atMost("owner publishes -> lock's signed report arrives, p99", percentile(e2e!, 99), 'ms', 2 * percentile(rtt!, 99), `2x plain round trip p99 (${(2 * percentile(rtt!, 99)).toFixed(2)} ms)`),
    ];
  } finally {
    await link.stop();
    await Promise.all([app, echo].map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
    outbox.close();
    store.close();
    await broker.stop();
  }
}
