// `npm run sim`: the firmware on the simulated board, in real time, with a terminal to act on the
// world (door, thumb-turn, jams, keypad, tamper) and to command the lock, watching the log live.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeScanned } from '../firmware/access/cbor.js';
import { decodeSign1 } from '../firmware/access/cose.js';
import { parseClaims } from '../firmware/access/grant.js';
import { type LockConfig, loadLockConfig } from '../firmware/config.js';
import { offlineCode, pinDigest, trackingDigest } from '../firmware/keypad/codes.js';
import { createLogger, stdoutSink } from '../firmware/log.js';
import { startLock } from '../firmware/main.js';
import { handleSignals, handleUncaught } from '../firmware/process.js';
import { systemClock } from '../hal/node/clock.js';
import type { SimBoard } from './board.js';
import { mintGrant, mintHeartbeat, present, randomKey } from '../tools/lib/mint.js';
import { startInProcessBroker } from './broker.js';
import { parseSimArgs, SIM_HELP, SimUsageError, wantColour, watchCommand } from './cli.js';
import { SimControl } from './control/control.js';
import { KEYS_HELP, simKeys } from './keys.js';
import { startTerminal } from './terminal.js';
import type { SimPhone } from './devices/credential-reader.js';
import { startWebSim } from './web/server.js';


/**
 * Without an access config the simulator pairs itself for play: a fresh owner key, a keypad
 * secret, a PIN grant and an offline code, in a temporary state directory. Demo only.
 */
function demoPairing(): { config: NonNullable<LockConfig['access']>; pin: string; code: string; phone: SimPhone; courier: SimPhone; parcels: string[]; heartbeat: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'lock-sim-'));
  const owner = randomKey();
  const holder = randomKey();
  const secret = randomBytes(32);
  writeFileSync(join(dir, 'keypad.secret'), secret.toString('hex'), { mode: 0o600 });
  const config = { lockId: 'sim-door', timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir: join(dir, 'state'), keypadSecretFile: join(dir, 'keypad.secret'), provider: 'node' as const };
  const pin = '2580';
  demoGrants.push(mintGrant(owner, { aud: 'sim-door', role: 'resident', sub: 'demo PIN', credential: { kind: 'pin', digests: [pinDigest(secret, pin)] } }));
  const phoneGrant = mintGrant(owner, { aud: 'sim-door', role: 'resident', sub: 'demo phone', holderKey: holder.publicKey });
  const leaf = decodeLeafId(phoneGrant);
  const phone: SimPhone = { respond: (challenge) => present([phoneGrant], holder, 'sim-door', challenge, leaf) };
  // A carrier: the owner delegates delivery to its dispatch key, which grants a courier's phone visits.
  const dispatch = randomKey();
  const courierKey = randomKey();
  const delegation = mintGrant(owner, { aud: 'sim-door', holderKey: dispatch.publicKey, delegation: { roles: ['delivery'], maxUses: null, maxDepth: 0 } });
  const visit = mintGrant(dispatch, { aud: 'sim-door', role: 'delivery', sub: 'demo courier', holderKey: courierKey.publicKey, obligations: { record: true, relockWithinS: 120 } });
  const visitId = decodeLeafId(visit);
  const courier: SimPhone = { respond: (challenge) => present([delegation, visit], courierKey, 'sim-door', challenge, visitId) };
  // Parcels the owner expects (a parcel box opens once for each).
  const parcels = ['1Z999AA10123456784', 'JD014600006281234567'];
  demoGrants.push(mintGrant(owner, { aud: 'sim-door', role: 'delivery', sub: 'demo parcels', credential: { kind: 'tracking', digests: parcels.map((t) => trackingDigest(secret, t)) } }));
  const heartbeat = mintHeartbeat(owner, { time: Math.floor(Date.now() / 1000), seq: 0, aud: 'sim-door' });
  return { config, pin, code: offlineCode(secret, 'sim-door', Date.now(), 1), phone, courier, parcels, heartbeat };
}
const demoGrants: Uint8Array[] = [];

function decodeLeafId(grant: Uint8Array): Uint8Array {
  const m = decodeSign1(grant);
  if (!m.ok) throw new Error('demo grant');
  const claims = parseClaims(decodeScanned(m.value.payload));
  if (!claims.ok) throw new Error('demo grant');
  return claims.value.cti;
}

async function main(): Promise<void> {
  const values = parseSimArgs(process.argv.slice(2)); // a real board is refused here, before anything starts
  if (!values) {
    process.stdout.write(`${SIM_HELP}\n${KEYS_HELP}`);
    return;
  }
  const config = loadLockConfig(values.config);
  // A lock configured for the installer's serial line waits to be paired for real: no demo.
  const demo = config.access || config.pairing ? null : demoPairing();
  if (demo) config.access = demo.config;
  // MQTT: a real broker with --mqtt-url, else (for play) an in-process aedes broker.
  let broker: { url: string; port: number; close(): Promise<void> } | null = null;
  if (!config.mqtt && !config.pairing) {
    if (values.mqttUrl) config.mqtt = { url: values.mqttUrl, protocolVersion: 5, outboxCap: 50_000 };
    else {
      broker = await startInProcessBroker(values.mqttPort);
      config.mqtt = { url: broker.url, protocolVersion: 4, outboxCap: 50_000 };
    }
  }
  const logger = createLogger({ level: values.verbose || values.json ? 'debug' : config.logLevel, pretty: !values.json, colour: wantColour(process.stdout), details: values.verbose });
  if (values.json) stdoutSink().queue(); // a full or closed log pipe never blocks the simulated lock
  const { lock: booted, world } = await startLock({ board: values.board, config, logger });
  if (demo) booted.app.core?.applyHeartbeat(demo.heartbeat); // delivery grants want revocations no older than a day
  for (const grant of demoGrants) {
    const stored = booted.app.core?.storeGrant([grant]);
    if (stored && !stored.ok) throw new Error(`demo grant refused: ${stored.reason}`);
  }
  const control = new SimControl(world as SimBoard, systemClock);
  const say = (text: string) => process.stdout.write(`${text}\n`);
  // The control API and the web page (docs/SIM.md): 127.0.0.1, a printed token.
  const web = await startWebSim({ control, lock: () => booted.app, clock: systemClock, board: values.board!, demo, mqtt: config.mqtt && config.access ? { url: config.mqtt.url, lockId: config.access.lockId } : null, stateDir: config.stateDir ?? config.access?.stateDir });
  let quitting = false;
  const quit = () => {
    if (quitting) return;
    quitting = true;
    logger.info({ event: 'quit' }, 'quitting: the bolt is left as configured');
    web.close().then(() => booted.stop()).then(() => process.exit(0), (error: unknown) => {
      logger.error({ err: error }, 'stop failed');
      process.exit(1);
    });
  };
  const onKey = simKeys({ app: () => booted.app, control, demo, say, quit, json: values.json }); // the app is rebuilt after a pairing

  handleSignals({ stop: () => web.close().then(() => booted.stop()) }, logger);
  handleUncaught(booted, logger);
  say(KEYS_HELP);
  say(` web page and control API: ${web.url}\n`);
  if (demo) say(` demo pairing: PIN ${demo.pin}#, offline code ${demo.code}# (4 h), n = a phone with a resident grant, d = a courier\n`);
  if (broker) say(` MQTT: in-process broker at ${broker.url}; watch everything it carries with:\n   ${watchCommand(broker.port, config.access?.lockId ?? '+')}\n`);
  startTerminal({ input: process.stdin, onKey, onInterrupt: quit });
}

main().catch((error: unknown) => {
  console.error(`sim: ${(error as Error).message}`);
  process.exit(error instanceof SimUsageError ? 2 : 1);
});
