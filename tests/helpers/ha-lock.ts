// The shipped lock (firmware/main.ts startLock(), through firmware/boot.ts, on the simulated board, real time) paired and connected
// to a Mosquitto, and a "Home Assistant" client that records everything on `homeassistant/#` and
// `locks/<id>/#`. Every wait is for a message, with a generous deadline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { RunningLock } from '../../firmware/boot.js';
import { startLock } from '../../firmware/main.js';
import { createLogger } from '../../firmware/log.js';
import { parseLockConfig } from '../../firmware/config.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import { systemClock } from '../../hal/node/clock.js';
import { SimControl } from '../../sim/control/control.js';
import type { Broker } from './mosquitto.js';
import { waitUntil } from './wait.js';

export interface Seen {
  topic: string;
  text: string;
  retain: boolean;
}

export interface HaClient {
  client: MqttClient;
  seen: Seen[];
  /** The first message (seen or to come) passing `test`. */
  next(test: (m: Seen) => boolean, what: string): Promise<Seen>;
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

let clients = 0;

export async function haClient(broker: Broker, lockId: string): Promise<HaClient> {
  const client = mqtt.connect(broker.url, { ca: broker.ca, username: 'owner', password: 'owner-secret', protocolVersion: 5, clientId: `ha-${++clients}` });
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, text: payload.toString('utf8'), retain: packet.retain }));
  await new Promise<void>((resolve) => client.once('connect', () => client.subscribe(['homeassistant/#', `locks/${lockId}/#`], { qos: 1 }, () => resolve())));
  return {
    client,
    seen,
    next: (test, what) => waitUntil(() => seen.find(test), what, 30_000),
    publish: (topic, payload) => new Promise((resolve, reject) => client.publish(topic, payload, { qos: 1 }, (e) => (e ? reject(e) : resolve()))),
    close: () => new Promise<void>((r) => client.end(true, {}, () => r())),
  };
}

export interface HaLock {
  lock: RunningLock;
  control: SimControl;
  dir: string;
  stop(): Promise<void>;
}

/** Boot the lock as `npm start` does (in this process), paired to `lockId` and connected to `broker`. */
export async function bootHaLock(broker: Broker, o: { lockId: string; ownerKey: Uint8Array; dir?: string; timeZone?: string; homeAssistant?: Record<string, unknown>; keypadSecret?: Uint8Array }): Promise<HaLock> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'lock-ha-'));
  writeFileSync(join(dir, 'ca.crt'), broker.ca);
  writeFileSync(join(dir, 'password'), 'front-secret');
  if (o.keypadSecret) writeFileSync(join(dir, 'keypad-secret'), Buffer.from(o.keypadSecret).toString('hex'));
  const config = parseLockConfig({
    access: {
      lockId: o.lockId, timeZone: o.timeZone ?? 'Europe/Berlin', ownerKeys: [Buffer.from(o.ownerKey).toString('hex')], stateDir: dir,
      ...(o.keypadSecret ? { keypadSecretFile: join(dir, 'keypad-secret') } : {}),
    },
    mqtt: { url: broker.url, username: o.lockId, passwordFile: join(dir, 'password'), caFile: join(dir, 'ca.crt'), homeAssistant: o.homeAssistant },
  });
  const { lock, world } = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }) });
  const control = new SimControl(world!, systemClock);
  return {
    lock,
    control,
    dir,
    async stop() {
      await lock.stop();
      purgeJohnnyFive();
    },
  };
}
