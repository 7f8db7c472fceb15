// Conformance: an owner's app written in Python from docs/PROTOCOL.md alone (tests/stranger/), sharing
// no code with the lock, pairs the firmware on the simulated board over a real pty, then drives every
// documented flow over a real Mosquitto and the simulator's control API. Also its offline checks: the
// §12 worked examples rebuilt byte for byte, and the owner's-app verdicts of tests/vectors/protocol.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '../../tools/lib/mint.js';
import { type Broker, startBroker } from '../helpers/mosquitto.js';
import { jsonWith, type SimProcess, startSimProcess } from '../helpers/sim-process.js';
import { simWeb } from '../helpers/sim-web.js';
import { inCi, MissingToolError, requireTools } from '../helpers/tools.js';
import { waitUntil } from '../helpers/wait.js';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-cryptography and python3-paho-mqtt install
const HERE = resolve('tests/stranger');
const HINT = 'sudo apt-get install python3 python3-cryptography python3-paho-mqtt';

/** True (skip) without Debian's python3 and its two modules; under CI=true that fails instead. */
function pythonMissing(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import cryptography, paho.mqtt'], { stdio: 'pipe' });
  if (probe.status === 0) return false;
  if (inCi()) throw new MissingToolError(`CI=true and ${PYTHON} with cryptography and paho-mqtt is missing: install them with: ${HINT}`);
  console.warn(`skip notice: ${PYTHON} with cryptography and paho-mqtt not found: tests/interop/stranger.test.ts is skipped; install them with: ${HINT}`);
  return true;
}

const noPython = pythonMissing();
const missing = noPython || requireTools('mosquitto', 'mosquitto_passwd', 'openssl', 'socat');

function python(script: string, args: string[], ms: number): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    execFile(PYTHON, [join(HERE, script), ...args], { cwd: HERE, timeout: ms, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe.skipIf(noPython)('the stranger client, offline', () => {
  it('rebuilds the worked examples of §12 and gives the vectors verdicts', async () => {
    const { code, out } = await python('check_offline.py', [resolve('.')], 60_000);
    expect(out).not.toMatch(/^FAIL/m);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^0 failed$/m);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'proto-stranger-'));
let broker: Broker;
const PAIRED = 'stranger-door';
const BY_HAND = 'stranger-hand';

beforeAll(async () => {
  if (missing) return;
  broker = await startBroker([
    { name: 'owner', password: 'owner-secret' },
    { name: PAIRED, password: 'lock-secret' },
    { name: BY_HAND, password: 'hand-secret' },
  ]);
  writeFileSync(join(dir, 'ca.pem'), broker.ca);
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The simulator as a process on `config`, its control API's address, and a clean stop. */
async function startLock(name: string, config: object): Promise<{ sim: SimProcess; base: string; token: string }> {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
  const sim = startSimProcess(['--config', join(dir, `${name}.json`)]);
  stops.push(async () => {
    if (sim.proc.exitCode === null) {
      sim.proc.kill('SIGINT');
      await Promise.race([sim.exited, new Promise((r) => setTimeout(r, 10_000))]);
      sim.proc.kill('SIGKILL');
    }
  });
  const web = await simWeb(sim);
  return { sim, base: web.base, token: web.token };
}
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
}, 30_000);

/** Run conformance.py on `settings`; every step must pass. */
async function conformance(name: string, settings: object, steps: number): Promise<void> {
  writeFileSync(join(dir, `${name}-stranger.json`), JSON.stringify({ brokerPort: broker.port, caFile: join(dir, 'ca.pem'), ownerPassword: 'owner-secret', ...settings }));
  const { code, out } = await python('conformance.py', [join(dir, `${name}-stranger.json`)], 240_000);
  expect(out).not.toMatch(/^FAIL/m);
  expect(code, out).toBe(0);
  expect(out).toMatch(/^all passed$/m);
  expect(out.match(/^ok {3}/gm), out).toHaveLength(steps); // every step of this mode ran
}

describe.skipIf(missing)('the stranger client against the lock', () => {
  it('pairs the lock over a pty and runs every documented owner flow, each answered as the document says', async () => {
    const lockEnd = join(dir, 'tty-lock');
    const installerEnd = join(dir, 'tty-installer');
    const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${lockEnd}`, `pty,raw,echo=0,link=${installerEnd}`], { stdio: 'ignore' });
    stops.push(() => {
      socat.kill('SIGKILL');
    });
    await waitUntil(() => existsSync(lockEnd) && existsSync(installerEnd), 'socat to make the pty pair', 15_000);
    // The lock as the README installs it: a state directory and a serial line; pairing sets the rest.
    const { sim, base, token } = await startLock(PAIRED, { stateDir: join(dir, 'paired-state'), pairing: { port: lockEnd }, autoRelockMs: null, delivery: { postRollMs: 1000 } });
    await sim.waitFor(jsonWith({ event: 'pairing-ready' }), 'the installer line', 30_000);
    await conformance(PAIRED, { lockId: PAIRED, tty: installerEnd, lockPassword: 'lock-secret', apiBase: base, apiToken: token }, 23);
  }, 300_000);

  it('runs the core flows on a lock configured by hand (config access and mqtt over MQTT 3.1.1, no serial line)', async () => {
    const owner = testKey('stranger-hand-owner');
    const secret = randomBytes(32);
    const stateDir = join(dir, 'hand-state');
    writeFileSync(join(dir, 'keypad.secret'), `${secret.toString('hex')}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'hand.password'), 'hand-secret\n', { mode: 0o600 });
    const access = { lockId: BY_HAND, timeZone: 'Europe/Berlin', ownerKeys: [Buffer.from(owner.publicKey).toString('hex')], stateDir, keypadSecretFile: join(dir, 'keypad.secret') };
    const mqtt = { url: `mqtts://127.0.0.1:${broker.port}`, username: BY_HAND, passwordFile: join(dir, 'hand.password'), caFile: join(dir, 'ca.pem'), protocolVersion: 4 }; // MQTT 3.1.1 here, 5 for the paired lock
    const { base, token } = await startLock(BY_HAND, { access, mqtt, autoRelockMs: null });
    await conformance(BY_HAND, { mode: 'config', lockId: BY_HAND, stateDir, ownerSeed: Buffer.from(owner.seed).toString('hex'), keypadSecret: secret.toString('hex'), apiBase: base, apiToken: token }, 8);
  }, 300_000);
});
