// The firmware as `npm start` runs it, paired and connected: a real process on the simulated board
// with `access` and `mqtt` configured, against a real Mosquitto. It comes online, publishes its
// signed boot event, takes a revocation list, and says offline on SIGTERM. Waits on messages, not sleeps.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { mintRevocations, testKey } from '../../tools/lib/mint.js';
import { type Broker, startBroker } from '../helpers/mosquitto.js';
import { requireTools } from '../helpers/tools.js';

let broker: Broker;
const missingTools = requireTools('mosquitto', 'mosquitto_passwd', 'openssl'); // skipped (or failed under CI=true) without them
beforeAll(async () => {
  if (missingTools) return;
  broker = await startBroker([{ name: 'owner', password: 'o' }, { name: 'front-door', password: 'f' }]);
}, 30_000);
afterAll(async () => {
  await broker?.stop();
  rmSync(bundleDir, { recursive: true, force: true });
});

// From source (tsx), and as the production bundle for small boards (tools/bundle.mjs) ships it.
// (inside the repository, as dist/bundle is: its external packages load from node_modules)
mkdirSync('dist', { recursive: true });
const bundleDir = mkdtempSync(join('dist', 'test-bundle-'));
const ENTRIES = [
  { build: 'source', args: ['--import', 'tsx', 'firmware/main.ts'] },
  { build: 'bundle', args: [join(bundleDir, 'start.cjs')] },
];

describe.skipIf(missingTools)('the firmware process on a broker', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['tools/bundle.mjs', bundleDir], { stdio: 'ignore' });
  }, 60_000);

  it.each(ENTRIES)('$build: comes online, announces itself to Home Assistant, reports, applies a revocation list, and goes offline on SIGTERM', async ({ args }) => {
    const owner = testKey('owner');
    const dir = mkdtempSync(join(tmpdir(), 'firmware-mqtt-'));
    writeFileSync(join(dir, 'ca.crt'), broker.ca);
    writeFileSync(join(dir, 'password'), 'f');
    const access = { lockId: 'front-door', timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: join(dir, 'state') };
    const mqttConfig = { url: broker.url, username: 'front-door', passwordFile: join(dir, 'password'), caFile: join(dir, 'ca.crt') };
    writeFileSync(join(dir, 'lock.json'), JSON.stringify({ access, mqtt: mqttConfig }));

    const app = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'o', protocolVersion: 5 });
    const seen: string[] = [];
    const waiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
    app.on('message', (topic, payload) => {
      let line = `${topic} ${payload.toString()}`;
      if (topic.startsWith('homeassistant/')) line = payload.length ? `discovery ${JSON.parse(payload.toString()).state_topic}` : `withdrawn ${topic}`;
      else if (topic.endsWith('/state')) line = `state ${JSON.parse(payload.toString()).bolt}`;
      else if (topic.endsWith('/events')) {
        const opened = openSigned(new Uint8Array(payload), TYP.event, nodeVerifier());
        line = opened.ok ? `event ${(opened.value.payload as Map<number, unknown>).get(4)}` : 'event UNVERIFIED';
      }
      seen.push(line);
      for (const w of [...waiters]) {
        if (!w.test(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    const waitFor = (test: (s: string) => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        if (seen.some(test)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no ${what}; saw ${seen.join(' | ')}`)), 30_000);
        waiters.push({
          test,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    await new Promise<void>((r) => app.once('connect', () => app.subscribe(['locks/front-door/#', 'homeassistant/lock/front-door/lock/config'], { qos: 1 }, () => r())));

    const lock = spawn(process.execPath, [...args, '--board', 'sim', '--json', '--config', join(dir, 'lock.json')], {
      env: { ...process.env, IS_TEST_MODE: '' },
      stdio: 'ignore',
    });
    try {
      await waitFor((s) => s === 'locks/front-door/status online', 'online status');
      await waitFor((s) => s === 'event bolt', 'the signed boot event');
      await waitFor((s) => s === 'discovery locks/front-door/state', 'Home Assistant discovery');
      await waitFor((s) => s === 'state locked', 'the retained state');
      app.publish('locks/front-door/ha/command', '{"action": "LOCK", "code": ""}', { qos: 1 });
      await waitFor((s) => s === 'event ha-command', 'the Home Assistant command report');
      app.publish('locks/front-door/revocations', Buffer.from(mintRevocations(owner, { seq: 3, aud: 'front-door', iat: Math.floor(Date.now() / 1000) })), { qos: 1 });
      await waitFor((s) => s === 'event revocations', 'the revocation report');
      lock.kill('SIGTERM');
      await waitFor((s) => s === 'locks/front-door/status offline', 'offline status');
      expect(seen.some((s) => s.includes('UNVERIFIED'))).toBe(false);
    } finally {
      lock.kill('SIGKILL');
      await new Promise<void>((r) => app.end(true, {}, () => r()));
    }
  }, 60_000);

  it('bundle: a code cache another user could have planted (a link, here to a pipe that would block any read) is never loaded', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'lock-cache-'));
    const fifo = join(cache, 'planted');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(cache, `lock.cjs.${process.version}.v8cache`));
    const lock = spawn(process.execPath, [join(bundleDir, 'start.cjs'), '--board', 'sim', '--json'], { env: { ...process.env, IS_TEST_MODE: '', LOCK_CODE_CACHE_DIR: cache }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no ready line: the planted cache was read')), 30_000);
        createInterface({ input: lock.stdout! }).on('line', (line) => {
          if (!line.includes('"event":"ready"')) return;
          clearTimeout(timer);
          resolve();
        });
      });
    } finally {
      lock.kill('SIGKILL');
    }
  }, 60_000);
});
