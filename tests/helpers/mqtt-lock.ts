// A paired lock on a real broker, booted through the device's own path (startLock, firmware/boot.ts)
// on the simulated board, in real time: access and mqtt come from its config, as an installer leaves
// them; its state in `dir`. `offline` boots it without the broker (to fill its outbox first); a
// second boot on the same `dir` is the lock coming back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLockConfig } from '../../firmware/config.js';
import { loadOrCreateIdentity } from '../../firmware/identity.js';
import { createLogger } from '../../firmware/log.js';
import { startLock } from '../../firmware/main.js';
import { purgeJohnnyFive } from '../../hal/johnny-five/purge.js';
import { systemClock } from '../../hal/node/clock.js';
import { seededRandom } from '../../hal/node/random.js';
import type { Storage } from '../../hal/ports/storage.js';
import type { Broker } from './mosquitto.js';

export interface MqttLockOptions {
  broker: Broker;
  lockId: string;
  password: string;
  ownerKey: Uint8Array;
  dir?: string;
  protocolVersion?: 4 | 5;
  storage?: Storage;
  offline?: boolean;
  /** The lock config's maxRevocationEntries (the default capacity when absent). */
  maxRevocationEntries?: number;
}

export async function bootOnBroker(o: MqttLockOptions) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'lock-mqtt-'));
  const secrets = mkdtempSync(join(tmpdir(), 'lock-mqtt-secrets-'));
  writeFileSync(join(secrets, 'ca.pem'), o.broker.ca);
  writeFileSync(join(secrets, 'password'), o.password);
  const config = parseLockConfig({
    access: { lockId: o.lockId, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(o.ownerKey).toString('hex')], stateDir: dir },
    ...(o.offline
      ? {}
      : { mqtt: { url: o.broker.url, username: o.lockId, passwordFile: join(secrets, 'password'), caFile: join(secrets, 'ca.pem'), protocolVersion: o.protocolVersion ?? 5, homeAssistant: { enabled: false } } }),
    ...(o.maxRevocationEntries ? { maxRevocationEntries: o.maxRevocationEntries } : {}),
  });
  const { lock, world } = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }), clock: systemClock, random: seededRandom(5), storage: o.storage });
  const delivered: number[] = [];
  lock.link?.events.on('delivered', (e) => delivered.push(e.seq));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await lock.stop();
    world?.io.close();
    purgeJohnnyFive();
  };
  return { lock, core: lock.app.core!, outbox: lock.app.outbox!, link: lock.link!, identity: loadOrCreateIdentity(dir, seededRandom(4)), delivered, dir, stop };
}
