// A lock process for the grant crash-point test: `node --import tsx tests/helpers/crash-grants.ts DIR N`.
// It boots through startLock (the device's own path) in real time, with a storage port that counts
// every write and fsync once a grant arrives, and kills its own process with SIGKILL at the Nth (0:
// never). The grant goes through the lock's own inbound handler, as MQTT delivers it: `PUBACK` is said
// when the handler returns (MQTT.js sends it then). With N = -1 it reports what it booted with, then
// takes the same grant again (the broker redelivers what was not acknowledged): `HELD yes|no` (its PIN
// known before the redelivery), `STORED n` (its grant-stored events in the outbox after it).
import { writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { parseLockConfig } from '../../firmware/config.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { createLogger } from '../../firmware/log.js';
import { startLock } from '../../firmware/main.js';
import { systemClock } from '../../hal/node/clock.js';
import { mintGrant, testKey } from '../../tools/lib/mint.js';
import { killPoints } from './kill-points.js';

const [dir = '', crashAtText = '0'] = process.argv.slice(2);
const crashAt = Number(crashAtText);
const say = (line: string) => writeSync(1, `${line}\n`);
const LOCK = 'front-door';
const owner = testKey('owner');
const SECRET = Buffer.alloc(32, 0x42);
const PIN = '482913';
const grant = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0x61), role: 'resident', iat: 1780308000, credential: { kind: 'pin', digests: [pinDigest(SECRET, PIN)] } });

const secretFile = join(dir, '..', `${dir.split('/').pop()}.secret`);
writeFileSync(secretFile, SECRET.toString('hex'));
const kill = killPoints(crashAt);
const config = parseLockConfig({ access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: dir, keypadSecretFile: secretFile } });
const { lock } = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }), clock: systemClock, storage: kill.storage });
const core = lock.app.core!;
const inbound = lock.inbound!;
const stored = () =>
  lock.app.outbox!.pending().filter((e) => {
    const opened = openSigned(e.bytes, TYP.event, nodeVerifier());
    const p = opened.ok ? (opened.value.payload as Map<number, unknown>) : new Map<number, unknown>();
    return p.get(4) === 'grant-stored' && (p.get(5) as Map<string, unknown>).get('ok') === true;
  }).length;

if (crashAt < 0) {
  say(`HELD ${core.decideCredential(pinDigest(SECRET, PIN), 'pin').reason === 'unknown-code' ? 'no' : 'yes'}`);
  inbound.grants(grant);
  say(`STORED ${stored()}`);
} else {
  kill.counting = true;
  inbound.grants(grant);
  say('PUBACK');
  kill.counting = false;
  say(`POINTS ${kill.points}`);
}
await lock.stop();
process.exit(0);
