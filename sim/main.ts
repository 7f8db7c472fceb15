// `npm run sim`: the firmware on the simulated board, in real time, with a terminal to act on the
// world (door, thumb-turn, jams, keypad, tamper) and to command the lock, watching the log live.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitKeypressEvents } from 'node:readline';
import { parseArgs } from 'node:util';
import { decodeScanned } from '../firmware/access/cbor.js';
import { decodeSign1 } from '../firmware/access/cose.js';
import { parseClaims } from '../firmware/access/grant.js';
import { type LockConfig, loadLockConfig } from '../firmware/config.js';
import { offlineCode, pinDigest, trackingDigest } from '../firmware/keypad/codes.js';
import { createLogger } from '../firmware/log.js';
import { startLock } from '../firmware/main.js';
import { handleSignals, handleUncaught } from '../firmware/process.js';
import { loadBoard } from '../hal/boards.js';
import { systemClock } from '../hal/node/clock.js';
import type { SimBoard } from './board.js';
import { mintGrant, mintHeartbeat, present, randomKey } from '../tools/lib/mint.js';
import { startInProcessBroker } from './broker.js';
import { SimControl } from './control/control.js';
import type { SimPhone } from './devices/credential-reader.js';
import { startWebSim } from './web/server.js';

const HELP = `
 keys:  l lock   u unlock   o open door   c close door   f force door   t thumb-turn
        j jam bolt   k brief jam (frees on backoff)   g clear jam
        0-9 * #  keypad (# enters, * clears)   n phone with a grant at the reader
        d courier phone with a delivery visit (camera first)   a scan an expected parcel   z scan an unknown label
        p pair button   P pair button held 8 s   x tamper on/off   b battery -10%   v camera fails   r camera repaired
        s show world   h help   q quit
`;

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
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      board: { type: 'string', default: 'sim' },
      json: { type: 'boolean', default: false },
      'mqtt-url': { type: 'string' },
    },
  });
  const config = loadLockConfig(values.config ?? null);
  // A lock configured for the installer's serial line waits to be paired for real: no demo.
  const demo = config.access || config.pairing ? null : demoPairing();
  if (demo) config.access = demo.config;
  // MQTT: a real broker with --mqtt-url, else (for play) an in-process aedes broker.
  let broker: { url: string; close(): Promise<void> } | null = null;
  if (!config.mqtt && !config.pairing) {
    if (values['mqtt-url']) config.mqtt = { url: values['mqtt-url'], protocolVersion: 5, outboxCap: 50_000 };
    else {
      broker = await startInProcessBroker();
      config.mqtt = { url: broker.url, protocolVersion: 4, outboxCap: 50_000 };
    }
  }
  const logger = createLogger({ level: config.logLevel, pretty: !values.json });
  const profile = loadBoard('boards.json', values.board!);
  if (profile.io.plugin !== 'sim') throw new Error(`board "${values.board}" is not a simulated board (its IO plugin is ${profile.io.plugin}); run it on the board with npm start`);
  const { lock: booted, world } = await startLock({ board: values.board!, config, logger });
  if (demo) booted.app.core?.applyHeartbeat(demo.heartbeat); // delivery grants want revocations no older than a day
  for (const grant of demoGrants) {
    const stored = booted.app.core?.storeGrant([grant]);
    if (stored && !stored.ok) throw new Error(`demo grant refused: ${stored.reason}`);
  }
  const control = new SimControl(world as SimBoard, systemClock);
  const lock = () => booted.app.deadbolt; // rebuilt after a pairing over the serial line
  let tampered = false;
  let parcelsScanned = 0;

  const say = (text: string) => process.stdout.write(`${text}\n`);
  const actions: Record<string, () => void> = {
    l: () => say(`lock: ${lock().lock('command')}`),
    u: () => say(`unlock: ${lock().unlock('command')}`),
    o: () => say(`open door: ${control.openDoor() ?? 'ok'}`),
    c: () => say(`close door: ${control.closeDoor() ?? 'ok'}`),
    f: () => say(`force door: ${control.forceDoor() ?? 'ok'}`),
    t: () => {
      const to = control.snapshot().bolt.position > 0.5 ? 'unlocked' : 'locked';
      say(`thumb-turn to ${to}: ${control.turnThumbTurn(to) ? 'turning' : 'will not turn'}`);
    },
    j: () => {
      control.jamBolt(false);
      say('bolt jammed');
    },
    k: () => {
      control.jamBolt(true);
      say('bolt briefly jammed');
    },
    g: () => {
      control.clearJam();
      say('jam cleared');
    },
    p: () => {
      control.pressPairButton();
      say('pair button pressed');
    },
    P: () => {
      control.pressPairButton(8_000);
      say('pair button held for 8 s (a factory reset needs it held)');
    },
    x: () => {
      tampered = !tampered;
      control.setTamper(tampered);
      say(`tamper ${tampered ? 'on' : 'off'}`);
    },
    b: () => {
      const next = Math.max(0, (control.snapshot().battery ?? 100) - 10);
      control.setBattery(next);
      say(`battery set to ${next}%`);
    },
    n: () => {
      if (!demo) return say('no demo phone: the lock was started with a real access config');
      control.tapPhone(demo.phone);
      say('phone at the reader');
    },
    v: () => {
      control.failCamera();
      say('camera will not record');
    },
    r: () => {
      control.repairCamera();
      say('camera repaired');
    },
    d: () => {
      if (!demo) return say('no demo courier: the lock was started with a real access config');
      control.tapPhone(demo.courier);
      say('courier phone at the reader');
    },
    a: () => {
      if (!demo) return say('no demo parcels: the lock was started with a real access config');
      const label = demo.parcels[parcelsScanned++ % demo.parcels.length]!;
      control.scanBarcode(label);
      say(`scanned ${label}`);
    },
    z: () => {
      control.scanBarcode(`UNKNOWN${Date.now() % 100_000}`);
      say('scanned an unknown label');
    },
    s: () =>
      say(
        JSON.stringify(
          { lock: lock().current, alarms: [...lock().activeAlarms], world: control.snapshot() },
          null,
          2,
        ),
      ),
    h: () => say(HELP),
  };

  // The control API and the web page (docs/SIM.md): 127.0.0.1, a printed token.
  const web = await startWebSim({ control, lock: () => booted.app, clock: systemClock, board: values.board!, demo, mqtt: config.mqtt && config.access ? { url: config.mqtt.url, lockId: config.access.lockId } : null, stateDir: config.stateDir ?? config.access?.stateDir });
  handleSignals({ stop: () => web.close().then(() => booted.stop()) }, logger);
  handleUncaught(booted, logger);
  say(HELP);
  say(` web page and control API: ${web.url}\n`);
  if (demo) say(` demo pairing: PIN ${demo.pin}#, offline code ${demo.code}# (4 h), n = a phone with a resident grant, d = a courier\n`);
  if (broker) say(` MQTT: in-process broker at ${broker.url}; watch it with: mosquitto_sub -h 127.0.0.1 -p ${broker.url.split(':').pop()} -t 'locks/#' -v\n`);
  const onKey = (text: string) => {
    if (text === 'q') {
      process.kill(process.pid, 'SIGINT');
      return;
    }
    try {
      if (/^[0-9*#]$/.test(text)) control.pressKey(text);
      else actions[text]?.();
    } catch (error) {
      say((error as Error).message); // e.g. a part this board does not have
    }
  };
  if (process.stdin.isTTY) {
    emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on('keypress', (text: string | undefined, key: { ctrl?: boolean; name?: string }) => {
      if (key?.ctrl && key.name === 'c') process.kill(process.pid, 'SIGINT');
      else if (text) onKey(text);
    });
  } else {
    // Piped input (scripts and tests): one key per character, 250 ms apart, as a person types.
    process.stdin.setEncoding('utf8');
    const queue: string[] = [];
    let typing = false;
    const drain = () => {
      const ch = queue.shift();
      if (ch === undefined) {
        typing = false;
        return;
      }
      onKey(ch);
      setTimeout(drain, 250);
    };
    process.stdin.on('data', (chunk: string) => {
      queue.push(...chunk.replace(/\s+/g, ''));
      if (!typing) {
        typing = true;
        drain();
      }
    });
  }
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(`sim: ${(error as Error).message}`);
  process.exit(1);
});
