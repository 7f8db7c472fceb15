// A lock process for the crash-point test: `node --import tsx tests/helpers/crash-lock.ts DIR N`.
// It boots through startLock (the device's own path) on the simulated board, in real time, with a
// storage port that counts every write and fsync from the moment a phone taps, and kills its own
// process with SIGKILL at the Nth (0: never). A phone with a one-time grant taps once. Lines on
// stdout, written synchronously so they survive the kill: `MOTOR retract` the instant the motor is
// driven to withdraw the bolt, then `OUTCOME allow|refuse REASON` and `POINTS k`.
import { writeSync } from 'node:fs';
import { parseLockConfig } from '../../firmware/config.js';
import { createLogger } from '../../firmware/log.js';
import { startLock } from '../../firmware/main.js';
import { killPoints } from './kill-points.js';
import { SimControl } from '../../sim/control/control.js';
import { systemClock } from '../../hal/node/clock.js';
import { mintGrant, present, testKey } from '../../tools/lib/mint.js';

const [dir = '', crashAtText = '0'] = process.argv.slice(2);
const crashAt = Number(crashAtText);
const say = (line: string) => writeSync(1, `${line}\n`);
const LOCK = 'front-door';
const owner = testKey('owner');
const anna = testKey('phone-anna');
const cti = new Uint8Array(16).fill(0x77);
// Issued long ago (iat fixed), used once: a second open would break the promise.
const grant = mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: anna.publicKey, maxUses: 1 });

const kill = killPoints(crashAt);

const config = parseLockConfig({
  autoRelockMs: 3_000,
  access: { lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: dir },
});
const { lock, world } = await startLock({ board: 'sim', config, logger: createLogger({ level: 'silent' }), clock: systemClock, storage: kill.storage });
const control = new SimControl(world!, systemClock);
let retracting = false;
world!.bolt.onChange(() => {
  if (world!.bolt.drive === 'retract' && !retracting) {
    retracting = true;
    say('MOTOR retract');
  }
});
lock.app.local!.events.on('access', (e) => {
  say(`OUTCOME ${e.allow ? 'allow' : 'refuse'} ${e.reason}`);
  // Let the stroke and its events finish (more write points), then stop cleanly.
  setTimeout(() => {
    kill.counting = false;
    say(`POINTS ${kill.points}`);
    void lock.stop().then(() => process.exit(0));
  }, e.allow ? 2_500 : 200);
});
kill.counting = true;
control.tapPhone({ respond: (challenge) => present([grant], anna, LOCK, challenge, cti) });
