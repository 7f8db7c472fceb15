// `npm run bench [-- boot|access|keypad|pairing|mqtt|cycles] [--cycles N] [--boots N]`: prints every figure with its bar.
// Benchmarks measure; tests never time anything.
import { parseArgs } from 'node:util';
import { benchDecision, benchRevocationMemory, benchVerify } from './access.js';
import { benchBoot, benchProcessBoot } from './boot.js';
import { benchCycles } from './cycles.js';
import { printFigures } from './figures.js';
import { benchKeypad } from './keypad.js';
import { benchDrain, benchRevocationLatency } from './mqtt.js';
import { benchPairingFlood, benchParcelScan } from './pairing.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cycles: { type: 'string', default: '1000000' }, boots: { type: 'string', default: '21' } },
});
const only = new Set(positionals);
const want = (name: string) => only.size === 0 || only.has(name);

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
if (want('boot')) {
  const figures = [...(await benchBoot(Number(values.boots))), ...(await benchProcessBoot(5, false)), ...(await benchProcessBoot(5, true))];
  printFigures('Boot (simulated board, real time)', figures);
}
if (want('access')) {
  printFigures('Access core', [...benchVerify(), ...benchDecision(), ...benchRevocationMemory()]);
}
if (want('keypad')) printFigures('Keypad', benchKeypad());
if (want('pairing')) printFigures('Serial pairing and parcel box', [...benchPairingFlood(), ...benchParcelScan()]);
if (want('mqtt')) {
  const figures = [...(await benchRevocationLatency(false)), ...(await benchRevocationLatency(true)), ...(await benchDrain())];
  printFigures('MQTT: owner publishes a revocation list, lock refuses the grant (TLS loopback Mosquitto)', figures);
}
if (want('cycles'))
  printFigures('Lock life (simulated board, simulated time)', await benchCycles(Number(values.cycles)));
