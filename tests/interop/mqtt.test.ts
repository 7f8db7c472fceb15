// The lock's MQTT link against a real Mosquitto (TLS, passwords, an ACL confining each lock to its
// own topics), with an "owner app" client on the other side. Real time and sockets: every wait is
// for a condition, with a generous deadline, never a fixed sleep.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { type DeviceIdentity, loadOrCreateIdentity } from '../../firmware/identity.js';
import { FileStore } from '../../firmware/store/file-store.js';
import { SnapshotSlots } from '../../firmware/store/snapshot-slots.js';
import { nodeStorage } from '../../hal/node/storage.js';
import { seededRandom } from '../../hal/node/random.js';
import { mintCommand, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { DELIVERY_CONFIG, DELIVERY_TRAIL, dispatch, LOCK, MON_1000, runDelivery, SECRET, trail, ZONE } from '../helpers/delivery.js';
import { type Broker, startBroker } from '../helpers/mosquitto.js';
import { requireTools } from '../helpers/tools.js';
import { waitUntil } from '../helpers/wait.js';
import { startSimLock } from '../helpers/sim-lock.js';
import { bootOnBroker, type MqttLockOptions } from '../helpers/mqtt-lock.js';
import { FaultyStorage } from '../helpers/faulty-storage.js';

const owner = testKey('owner');
const phone = testKey('phone-anna');
const USERS = [
  { name: 'owner', password: 'owner-secret' },
  { name: 'front-door', password: 'front-secret' },
  { name: 'back-door', password: 'back-secret' },
];
let broker: Broker;
const missingTools = requireTools('mosquitto', 'mosquitto_passwd', 'openssl'); // skipped (or failed under CI=true) without them
beforeAll(async () => {
  if (missingTools) return;
  broker = await startBroker(USERS);
}, 30_000);
afterAll(async () => {
  await broker?.stop();
});

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
}, 60_000);

const waitFor = waitUntil;

let apps = 0;

interface Received {
  seq: number;
  type: string;
  data: Map<string, unknown>;
}

/** The owner's app: publishes signed updates, collects the lock's signed events (verified). */
async function ownerApp(device: DeviceIdentity, lockId = 'front-door') {
  // A persistent session: while it reconnects, the broker keeps its events queued.
  const client: MqttClient = mqtt.connect(broker.url, {
    ca: broker.ca, username: 'owner', password: 'owner-secret', protocolVersion: 5, clientId: `owner-app-${++apps}`,
    clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 100,
  });
  cleanup.push(() => new Promise<void>((r) => client.end(true, {}, () => r())));
  const events: Received[] = [];
  client.on('message', (_topic, payload) => {
    const opened = openSigned(new Uint8Array(payload), TYP.event, nodeVerifier());
    if (!opened.ok || Buffer.compare(opened.value.signer, device.publicKey) !== 0) throw new Error('an event not signed by the lock');
    const p = opened.value.payload as Map<number, unknown>;
    events.push({ seq: p.get(2) as number, type: p.get(4) as string, data: p.get(5) as Map<string, unknown> });
  });
  await new Promise<void>((resolve) => client.once('connect', () => client.subscribe(`locks/${lockId}/events`, { qos: 1 }, () => resolve())));
  const publish = (topic: string, bytes: Uint8Array, retain = false) =>
    new Promise<void>((resolve, reject) => client.publish(`locks/${lockId}/${topic}`, Buffer.from(bytes), { qos: 1, retain }, (e) => (e ? reject(e) : resolve())));
  return { client, events, publish };
}

/** A paired lock on the broker through the device's boot path (tests/helpers/mqtt-lock.ts), stopped after the test. */
async function lockOnLink(lockId = 'front-door', password = 'front-secret', options: Omit<MqttLockOptions, 'broker' | 'lockId' | 'password' | 'ownerKey'> = {}) {
  const lock = await bootOnBroker({ broker, lockId, password, ownerKey: owner.publicKey, ...options });
  cleanup.push(lock.stop);
  return lock;
}

describe.skipIf(missingTools)('MQTT sync with Mosquitto', () => {
  it('applies an owner-signed revocation list, enforces it at once, and reports it', async () => {
    const lock = await lockOnLink();
    const app = await ownerApp(lock.identity);
    await waitFor(() => lock.link.connected, 'the lock to connect');
    const cti = new Uint8Array(16).fill(0x31);
    const grant = mintGrant(owner, { aud: 'front-door', cti, role: 'resident', holderKey: phone.publicKey });
    const presentNow = () => {
      lock.core.issueChallenge();
      return lock.core.decide(present([grant], phone, 'front-door', lock.core.challenges.issue(), cti));
    };
    expect(presentNow().allow).toBe(true);
    await app.publish('revocations', mintRevocations(owner, { seq: 1, aud: 'front-door', iat: Math.floor(Date.now() / 1000), grants: [cti] }), true);
    await waitFor(() => lock.core.revocationSeq === 1, 'the list to be applied');
    expect(presentNow()).toMatchObject({ allow: false, reason: 'revoked-grant' });
    const report = await waitFor(() => app.events.find((e) => e.type === 'revocations'), 'the report');
    expect(Object.fromEntries(report.data)).toEqual({ ok: true, seq: 1 });
  }, 60_000);

  it('a revocation list is enforced at once, acknowledged only once durable: a failed snapshot write gets no PUBACK, and the broker delivers it again', async () => {
    const storage = new FaultyStorage().failEvery('write', /revocations\.[ab]/, { code: 'ENOSPC' });
    const first = await lockOnLink('front-door', 'front-secret', { storage });
    const dir = first.dir;
    const app = await ownerApp(first.identity);
    await waitFor(() => first.link.connected, 'the lock to connect');
    const cti = new Uint8Array(16).fill(0x41);
    // Not retained: the only way the lock sees it again is the broker redelivering an unacknowledged message.
    await app.publish('revocations', mintRevocations(owner, { seq: 1, aud: 'front-door', iat: Math.floor(Date.now() / 1000), grants: [cti] }));
    await waitFor(() => first.core.revocationSeq === 1, 'the list to be enforced, in memory, although it could not be saved');
    expect(new SnapshotSlots(dir, 'revocations', nodeStorage).load()).toBeNull(); // read only: nothing saved
    // Storage recovers; the lock restarts (same state directory), its persistent session resumes and the broker resends the list.
    await first.stop();
    storage.heal();
    const second = await lockOnLink('front-door', 'front-secret', { dir, storage });
    await waitFor(() => second.core.revocationSeq === 1 && new SnapshotSlots(dir, 'revocations', nodeStorage).load() !== null, 'the unacknowledged list to come again and be saved');
    const report = await waitFor(() => app.events.find((e) => e.type === 'revocations'), 'the report, after the acknowledgement');
    expect(Object.fromEntries(report.data)).toEqual({ ok: true, seq: 1 });
    await second.stop();
    const reopened = new FileStore(dir);
    expect(reopened.loadSnapshot('revocations')).not.toBeNull();
    reopened.close();
  }, 60_000);

  it('a damaged revocation snapshot at boot: the lock asks for the retained list again, even on a resumed session', async () => {
    const first = await lockOnLink();
    const app = await ownerApp(first.identity);
    await waitFor(() => first.link.connected, 'connect');
    const iat = Math.floor(Date.now() / 1000);
    await app.publish('revocations', mintRevocations(owner, { seq: 3, aud: 'front-door', iat, grants: [new Uint8Array(16).fill(0x21)] }), true);
    await app.publish('heartbeat', mintHeartbeat(owner, { time: iat, seq: 3, aud: 'front-door' }), true);
    await waitFor(() => first.core.revocationSeq === 3 && first.core.lastHeartbeat !== null, 'the list and heartbeat applied');
    await first.stop();
    const path = join(first.dir, 'revocations.a');
    const bytes = readFileSync(path);
    bytes[bytes.length - 10]! ^= 0xff; // inside the signature: it no longer verifies
    writeFileSync(path, bytes);
    const again = await lockOnLink('front-door', 'front-secret', { dir: first.dir });
    await waitFor(() => again.link.connected, 'reconnect');
    await waitFor(() => again.core.revocationSeq === 3, 'the retained list sent again and applied', 30_000);
    const damaged = await waitFor(() => app.events.find((e) => e.type === 'state-damaged'), 'the damage reported');
    expect(damaged.data.get('file')).toBe('revocations.a');
  }, 60_000);

  it('refuses a rollback and a replayed command, and says so in signed events', async () => {
    const lock = await lockOnLink();
    const app = await ownerApp(lock.identity);
    await waitFor(() => lock.link.connected, 'connect');
    const iat = Math.floor(Date.now() / 1000);
    await app.publish('revocations', mintRevocations(owner, { seq: 5, aud: 'front-door', iat }));
    await app.publish('revocations', mintRevocations(owner, { seq: 4, aud: 'front-door', iat }));
    const command = mintCommand(owner, { aud: 'front-door', nonce: new Uint8Array(16).fill(7), iat, exp: iat + 60, action: 'unlock' });
    await app.publish('commands', command);
    await app.publish('commands', command);
    await waitFor(() => app.events.filter((e) => e.type === 'revocations' || e.type === 'command').length >= 4, 'four events');
    const updates = app.events.filter((e) => e.type === 'revocations' || e.type === 'command');
    expect(updates.map((e) => `${e.type}:${JSON.stringify(Object.fromEntries(e.data))}`)).toEqual([
      'revocations:{"ok":true,"seq":5}',
      'revocations:{"ok":false,"reason":"rollback"}',
      'command:{"ok":true,"action":"unlock"}',
      'command:{"ok":false,"reason":"replayed"}',
    ]);
    expect(lock.core.revocationSeq).toBe(5);
  }, 60_000);

  it('a lock cannot read another lock\'s topics', async () => {
    const front = await lockOnLink();
    const app = await ownerApp(front.identity);
    const spy = mqtt.connect(broker.url, { ca: broker.ca, username: 'back-door', password: 'back-secret', protocolVersion: 5, clientId: 'back-door-spy' });
    cleanup.push(() => new Promise<void>((r) => spy.end(true, {}, () => r())));
    const seen: string[] = [];
    spy.on('message', (topic) => seen.push(topic));
    await new Promise<void>((resolve) => spy.once('connect', () => spy.subscribe(['locks/front-door/#', 'locks/back-door/#'], { qos: 1 }, () => resolve())));
    await waitFor(() => front.link.connected, 'connect');
    front.outbox.append('door', new Map([['state', 'open']]));
    front.link.flush();
    await waitFor(() => app.events.length >= 1, 'the front door event at the owner');
    // A marker on the spy's own topic, published after: once it arrives, anything earlier would have.
    await new Promise<void>((resolve) => app.client.publish('locks/back-door/grants', 'marker', { qos: 1 }, () => resolve()));
    await waitFor(() => seen.includes('locks/back-door/grants'), 'the marker');
    expect(seen.filter((t) => t.startsWith('locks/front-door/'))).toEqual([]);
  }, 60_000);

  it('a backlog the card cannot read: publishing it is a counted fault, the lock keeps deciding, and once the read works every event goes out in order', async () => {
    const offline = await lockOnLink('front-door', 'front-secret', { offline: true });
    for (let i = 0; i < 1_000; i++) offline.outbox.append('battery', new Map([['n', i]])); // over 128 KiB: boot reads only its last 64 KiB
    await offline.stop();
    // Reads of the outbox's first 16 KiB fail (a bad sector there), until healed.
    const sector = { bad: true };
    const outboxFds = new Set<number>();
    const storage = {
      ...nodeStorage,
      openSync: (path: string, flags: string, mode?: number) => {
        const fd = nodeStorage.openSync(path, flags, mode);
        if (path.endsWith('/outbox')) outboxFds.add(fd);
        return fd;
      },
      readSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
        if (sector.bad && outboxFds.has(fd) && position < 16 * 1024) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        return nodeStorage.readSync(fd, buffer, offset, length, position);
      },
    };
    const app = await ownerApp(offline.identity);
    const lock = await lockOnLink('front-door', 'front-secret', { dir: offline.dir, storage });
    await waitFor(() => lock.link.connected && lock.lock.faults.countOf('EIO') > 0, 'a counted read fault');
    expect(lock.core.decide(new Uint8Array([0xa0]))).toMatchObject({ allow: false, reason: 'malformed' }); // still deciding
    sector.bad = false;
    lock.outbox.append('battery', new Map([['n', 1_000]])); // the next event: the link reads the backlog now
    await waitFor(() => app.events.filter((e) => e.type === 'battery').length >= 1_001, 'every battery event', 60_000);
    const seqs = app.events.filter((e) => e.type === 'battery').map((e) => e.seq);
    expect(seqs.slice(0, 1_001)).toEqual([...seqs.slice(0, 1_001)].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(1_001);
  }, 90_000);

  it('3,000 events queued offline, the broker killed with -9 mid-stream: the lock lets each go only on its acknowledgement, resumes after the restart, and the owner sees them in order', async () => {
    // Queued while the lock had no broker, then the lock restarts with one (the same state directory).
    const offline = await lockOnLink('front-door', 'front-secret', { offline: true });
    for (let i = 0; i < 3_000; i++) offline.outbox.append('battery', new Map([['n', i]]));
    await offline.stop();
    const app = await ownerApp(offline.identity);
    const lock = await lockOnLink('front-door', 'front-secret', { dir: offline.dir });
    await waitFor(() => lock.delivered.length >= 1000, 'the first 1000 delivered');
    await broker.kill();
    // What the broker acknowledged before it died is the broker's to keep (Mosquitto saves its
    // queues now and then, so a kill -9 may lose some of them); everything else is the lock's.
    const ackedBeforeKill = new Set(lock.delivered);
    await broker.restart();
    const battery = () => app.events.filter((e) => e.type === 'battery');
    // Every event leaves the lock, each only on the broker's acknowledgement (the link's delivered
    // events): none dropped, none marked delivered without a PUBACK, whatever the broker lost.
    await waitFor(() => lock.outbox.size === 0, 'every event to leave the lock', 120_000).catch((error: Error) => {
      throw new Error(`${error.message}: the lock still holds ${lock.outbox.size} (killed after ${ackedBeforeKill.size} acknowledged)`);
    });
    // The lock let go of an event only on its acknowledgement: every one of the 3,000 was acknowledged.
    expect(new Set(lock.delivered).size).toBeGreaterThanOrEqual(3_000);
    // Duplicates only with the same sequence; the first arrival of each is in order.
    const firsts: number[] = [];
    const seen = new Set<number>();
    for (const e of battery()) {
      if (!seen.has(e.seq)) firsts.push(e.seq);
      seen.add(e.seq);
    }
    expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    expect(battery().every((e) => e.data.get('n') === battery().find((x) => x.seq === e.seq)!.data.get('n'))).toBe(true);
    expect(seen.size).toBeGreaterThan(ackedBeforeKill.size); // and what came after the restart reached the owner
    expect(ackedBeforeKill.size).toBeLessThan(3_000); // the kill really was mid-stream
  }, 180_000);

  it('a stale heartbeat over MQTT refuses a delegated role; a fresh one restores it', async () => {
    const lock = await lockOnLink();
    const app = await ownerApp(lock.identity);
    await waitFor(() => lock.link.connected, 'connect');
    const carrier = testKey('carrier-dispatch');
    const courier = testKey('courier-phone');
    const now = Math.floor(Date.now() / 1000);
    const deleg = mintGrant(owner, { aud: 'front-door', cti: new Uint8Array(16).fill(1), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: null, maxDepth: 0 }, exp: now + 86_400 });
    const cti = new Uint8Array(16).fill(2);
    const leaf = mintGrant(carrier, { aud: 'front-door', cti, role: 'delivery', holderKey: courier.publicKey, exp: now + 3600 });
    const attempt = () => lock.core.decide(present([deleg, leaf], courier, 'front-door', lock.core.issueChallenge(), cti));
    await app.publish('heartbeat', mintHeartbeat(owner, { time: now - 2 * 86_400, seq: 0, aud: 'front-door' }), true);
    await waitFor(() => lock.core.lastHeartbeat?.time === now - 2 * 86_400, 'the old heartbeat');
    expect(attempt()).toMatchObject({ allow: false, reason: 'revocations-stale' });
    await app.publish('heartbeat', mintHeartbeat(owner, { time: now, seq: 0, aud: 'front-door' }), true);
    await waitFor(() => lock.core.lastHeartbeat?.time === now, 'the fresh heartbeat');
    expect(attempt()).toMatchObject({ allow: true, grant: { role: 'delivery' } });
  }, 60_000);

  it('works over MQTT 3.1.1 too', async () => {
    const lock = await lockOnLink('front-door', 'front-secret', { protocolVersion: 4 });
    const app = await ownerApp(lock.identity);
    await waitFor(() => lock.link.connected, 'connect');
    await app.publish('revocations', mintRevocations(owner, { seq: 2, aud: 'front-door', iat: Math.floor(Date.now() / 1000) }));
    const report = await waitFor(() => app.events.find((e) => e.type === 'revocations'), 'the report');
    expect(Object.fromEntries(report.data)).toEqual({ ok: true, seq: 2 });
  }, 60_000);

  it('the lock killed with -9 while appending: every event whose append returned arrives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-kill-'));
    const writer = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/outbox-writer.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stored = 0;
    createInterface({ input: writer.stdout! }).on('line', (line) => {
      stored = Math.max(stored, Number(line));
    });
    await waitFor(() => stored >= 500, '500 stored events');
    const exited = new Promise((r) => writer.once('exit', r));
    writer.kill('SIGKILL');
    await exited;
    // The restarted lock: same state directory, and the link delivers what is there.
    const app = await ownerApp(loadOrCreateIdentity(dir, seededRandom(4))); // listening before the lock comes back
    const lock = await lockOnLink('front-door', 'front-secret', { dir });
    await waitFor(() => lock.outbox.size === 0 && new Set(app.events.map((e) => e.seq)).size >= stored, `all ${stored} stored events`, 60_000);
    const seqs = new Set(app.events.map((e) => e.seq));
    for (let s = 1; s <= stored; s++) expect(seqs.has(s)).toBe(true);
  }, 90_000);

  it('junk on every inbound topic: malformed, oversize, wrongly signed; each refused with a reason event, the lock keeps running', async () => {
    const lock = await lockOnLink();
    const app = await ownerApp(lock.identity);
    await waitFor(() => lock.link.connected, 'connect');
    const stranger = testKey('someone-else');
    const iat = Math.floor(Date.now() / 1000);
    const junk = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
    const sends: [string, Uint8Array][] = [
      ['revocations', junk],
      ['revocations', mintRevocations(stranger, { seq: 9, aud: 'front-door', iat })], // wrongly signed
      ['revocations', new Uint8Array(64 * 1024).fill(0xff)], // oversize junk: malformed again within the minute, so only counted
      ['heartbeat', junk],
      ['heartbeat', mintHeartbeat(stranger, { time: iat, seq: 0, aud: 'front-door' })],
      ['grants', junk],
      ['grants', new Uint8Array(9 * 1024).fill(0x42)], // over the 8 KiB bound
      ['grants', mintGrant(stranger, { aud: 'front-door', cti: new Uint8Array(16).fill(3), role: 'guest', holderKey: phone.publicKey })],
      ['commands', junk],
      ['commands', mintCommand(stranger, { aud: 'front-door', nonce: new Uint8Array(16).fill(4), iat, exp: iat + 60, action: 'unlock' })],
    ]; // Home Assistant's topic needs a deadbolt: its junk is covered in tests/scenario/local-access.test.ts
    for (const [topic, bytes] of sends) await app.publish(topic, bytes);
    // The answers to inbound messages (the lock's own bolt events, e.g. its boot-time relock, may come in between).
    const answers = () => app.events.filter((e) => ['revocations', 'heartbeat', 'grant-stored', 'command'].includes(e.type));
    await waitFor(() => answers().length >= sends.length - 1, `${sends.length - 1} reason events`, 8000).catch((e) => {
      throw new Error(`${e.message}; got ${app.events.map((x) => `${x.type}:${x.data.get("reason")}`).join(", ")}`);
    });
    const outcomes = answers().map((e) => `${e.type}:${e.data.get('ok')}:${e.data.get('reason')}`);
    expect(outcomes).toEqual([
      'revocations:false:malformed',
      'revocations:false:not-owner',
      'heartbeat:false:malformed',
      'heartbeat:false:not-owner',
      'grant-stored:false:malformed',
      'grant-stored:false:too-large',
      'grant-stored:false:unknown-issuer',
      'command:false:malformed',
      'command:false:not-owner',
    ]);
    // Still running: a good list applies.
    await app.publish('revocations', mintRevocations(owner, { seq: 1, aud: 'front-door', iat }));
    await waitFor(() => lock.core.revocationSeq === 1, 'the good list');
    expect(lock.core.faults).toBe(0);
  }, 60_000);

  it('a complete delivery, as the owner app receives it: every step, signed by the lock, in order, nothing missing', async () => {
    // The delivery runs on the simulated board on simulated time (the courier's phone, the door,
    // the camera); its events go to the lock's durable outbox, which the real link then publishes.
    const dir = mkdtempSync(join(tmpdir(), 'lock-delivery-'));
    const sim = await startSimLock({
      startMs: MON_1000,
      config: { autoRelockMs: 30_000, delivery: DELIVERY_CONFIG },
      access: { lockId: LOCK, timeZone: ZONE, ownerKeys: [owner.publicKey], keypadSecret: SECRET, stateDir: dir },
    });
    try {
      sim.core!.applyHeartbeat(mintHeartbeat(owner, { time: Math.floor(MON_1000 / 1000), seq: 0, aud: LOCK }));
      runDelivery(sim);
    } finally {
      await sim.close();
    }
    // The owner's app listens; the lock comes back (same state directory) with its broker and sends what it kept.
    const app = await ownerApp(loadOrCreateIdentity(dir, seededRandom(4)));
    const lock = await lockOnLink(LOCK, 'front-secret', { dir });
    await waitFor(() => lock.outbox.size === 0 && app.events.some((e) => e.type === 'delivery' && e.data.get('step') === 'completed'), 'the whole visit');
    await waitFor(() => lock.outbox.size === 0, 'the outbox drained');
    const seqs = app.events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // in order, none missing, none twice
    // The visit's trail, then the restarted lock reading its bolt at boot.
    expect(trail(app.events)).toEqual(['bolt locked', ...DELIVERY_TRAIL, 'bolt locked']);
    const done = app.events.find((e) => e.type === 'delivery' && e.data.get('step') === 'completed')!.data;
    expect(Object.fromEntries(done)).toMatchObject({ role: 'delivery', issuer: Buffer.from(dispatch.publicKey).toString('hex'), late: false, cameraLost: false });
  }, 60_000);

  it('the broker restarted (stopped cleanly) mid-stream: every event arrives', async () => {
    const offline = await lockOnLink('front-door', 'front-secret', { offline: true });
    for (let i = 0; i < 3000; i++) offline.outbox.append('battery', new Map([['n', i]]));
    await offline.stop();
    const app = await ownerApp(offline.identity);
    const lock = await lockOnLink('front-door', 'front-secret', { dir: offline.dir });
    await waitFor(() => lock.delivered.length >= 800, 'the first 800 delivered');
    await broker.stop();
    await broker.restart();
    const battery = () => new Set(app.events.filter((e) => e.type === 'battery').map((e) => e.seq));
    await waitFor(() => battery().size >= 3000 && lock.outbox.size === 0, 'all 3000', 90_000);
  }, 120_000);
});
