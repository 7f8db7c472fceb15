// The crash judge's lock process: what firmware/main.ts's main() does (startLock, signal and stray-
// exception handling) on the sim board with a config file, plus a driver for its world on stdin
// (`pin DIGITS`, `phone LABEL GRANT-HEX CTI-HEX`, `pending`, `damaged`, `stop`). Lines on stdout, written
// synchronously so they survive a SIGKILL: READY, ACCESS allow|refuse REASON GRANT KIND, RETRACT, PENDING n.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadLockConfig } from '../../firmware/config.js';
import { createLogger } from '../../firmware/log.js';
import { startLock } from '../../firmware/main.js';
import { handleSignals, handleUncaught } from '../../firmware/process.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { SimControl } from '../../sim/control/control.js';
import { systemClock } from '../../hal/node/clock.js';
import { present, testKey } from '../lib/mint.js';

const [configPath = ''] = process.argv.slice(2);
const say = (line: string) => writeSync(1, `${line}\n`);
const config = loadLockConfig(configPath);
const lockId = config.access!.lockId;
const logger = createLogger({ level: 'warn', destination: { write: (s: string) => { writeSync(2, s); } } as never });
const { lock, world } = await startLock({ board: 'sim', config, logger });
handleSignals({ stop: () => lock.stop() }, logger);
handleUncaught(lock, logger);
const control = new SimControl(world!, systemClock);
let retracting = false;
world!.bolt.onChange(() => {
  if (world!.bolt.drive === 'retract' && !retracting) {
    retracting = true;
    say('RETRACT');
  } else if (world!.bolt.drive !== 'retract') retracting = false;
});
lock.app.local!.events.on('access', (e) => say(`ACCESS ${e.allow ? 'allow' : 'refuse'} ${e.reason} ${e.grant ?? '-'} ${e.kind}`));
say('READY');
const queue: string[] = [];
let busy = false;
const next = async () => {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const [cmd, ...args] = queue.shift()!.split(' ');
    if (cmd === 'pin') await control.typeKeysPatiently(`${args[0]}#`);
    else if (cmd === 'phone') {
      const grant = Buffer.from(args[1]!, 'hex');
      const cti = Buffer.from(args[2]!, 'hex');
      control.tapPhone({ respond: (challenge) => present([grant], testKey(args[0]!), lockId, challenge, cti) });
    } else if (cmd === 'damaged') {
      const files = (lock.app.outbox?.pending() ?? []).map((e) => {
        const o = openSigned(e.bytes, TYP.event, nodeVerifier());
        const p = o.ok ? (o.value.payload as Map<number, unknown>) : new Map<number, unknown>();
        return p.get(4) === 'state-damaged' ? String((p.get(5) as Map<string, unknown>).get('file')) : null;
      });
      say(`DAMAGED ${files.filter(Boolean).join(',')}`);
    } else if (cmd === 'pending') say(`PENDING ${lock.app.outbox?.pending().length ?? -1}`);
    else if (cmd === 'stop') {
      await lock.stop();
      process.exit(0);
    }
  }
  busy = false;
};
createInterface({ input: process.stdin }).on('line', (line) => {
  queue.push(line);
  void next();
});
