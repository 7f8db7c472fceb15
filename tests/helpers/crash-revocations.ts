// A lock process for the revocation crash-point test: `node --import tsx tests/helpers/crash-revocations.ts DIR N [K]`.
// It boots through startLock (the device's own path) in real time, with a storage port that counts
// every write and fsync once list 2 arrives, and kills its own process with SIGKILL at the Nth (0:
// never). Lists 1 to K-1 (K: 2 by default) are in force before. List K goes through the lock's own inbound handler, as MQTT
// delivers it: `PUBACK` is said when the handler returns (MQTT.js sends it then), the work after the
// acknowledgement (the outcome event) runs next. With N = -1 it only reports what it booted with:
// `SEQ n`, `REPORTED seq,...` (the revocations events in the outbox), `DAMAGED file,...`.
import { writeSync } from 'node:fs';
import { parseLockConfig } from '../../firmware/config.js';
import { createLogger } from '../../firmware/log.js';
import { startLock } from '../../firmware/main.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { killPoints } from './kill-points.js';
import { systemClock } from '../../hal/node/clock.js';
import { mintRevocations, testKey } from '../../tools/lib/mint.js';

const [dir = '', crashAtText = '0', listText = '2'] = process.argv.slice(2);
const crashAt = Number(crashAtText);
const last = Number(listText);
const say = (line: string) => writeSync(1, `${line}\n`);
const LOCK = 'front-door';
const owner = testKey('owner');
const IAT = 1780308000;

const kill = killPoints(crashAt);

const config = parseLockConfig({ access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: dir } });
const { lock } = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }), clock: systemClock, storage: kill.storage });
const core = lock.app.core!;
const inbound = lock.inbound!;
const events = () =>
  lock.app.outbox!.pending().map((e) => {
    const opened = openSigned(e.bytes, TYP.event, nodeVerifier());
    const p = opened.ok ? (opened.value.payload as Map<number, unknown>) : new Map<number, unknown>();
    return { type: p.get(4) as string, data: p.get(5) as Map<string, unknown> };
  });

if (crashAt < 0) {
  say(`SEQ ${core.revocationSeq}`);
  say(`REPORTED ${events().filter((e) => e.type === 'revocations' && e.data.get('ok') === true).map((e) => String(e.data.get('seq'))).join(',')}`);
  say(`DAMAGED ${events().filter((e) => e.type === 'state-damaged').map((e) => String(e.data.get('file'))).join(',')}`);
} else {
  const list = (seq: number) => mintRevocations(owner, { seq, aud: LOCK, iat: IAT + seq, grants: [new Uint8Array(16).fill(seq)] });
  for (let seq = 1; seq < last; seq++) inbound.revocations(list(seq))?.();
  kill.counting = true;
  const after = inbound.revocations(list(last));
  say('PUBACK');
  await new Promise((r) => setImmediate(r));
  after?.();
  say('REPORTED');
  kill.counting = false;
  say(`POINTS ${kill.points}`);
}
await lock.stop();
process.exit(0);
