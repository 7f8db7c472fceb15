// Installer pairing end to end, as it happens at a door: the firmware on the simulated board in its
// own process (`npm run sim` with a `pairing` config), a real pseudo-terminal pair made by socat,
// `lockctl` on the other end, and a real Mosquitto the lock is told to use. Real time: every wait is
// for a log line, a file or a message, with a deadline.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { openSerialLink } from '../../hal/node/serial-link.js';
import { main as lockctl } from '../../tools/lockctl.js';
import { PairClient } from '../../tools/lib/pair-client.js';
import { mintGrant, testKey } from '../../tools/lib/mint.js';
import { brokerPerFile } from '../helpers/broker-per-file.js';
import { jsonWith, type SimProcess, startSimProcess } from '../helpers/sim-process.js';
import { waitUntil } from '../helpers/wait.js';

const LOCK = 'front-door';
const owner = testKey('installer-test-owner');
const dir = mkdtempSync(join(tmpdir(), 'pairing-pty-'));
const mq = brokerPerFile([
  { name: 'owner', password: 'owner-secret' },
  { name: LOCK, password: 'front-secret' },
], ['socat']); // skipped (or failed under CI=true) without them
const { missingTools, cleanup } = mq;
beforeAll(() => {
  if (missingTools) return;
  writeFileSync(join(dir, 'ca.pem'), mq.broker.ca);
  writeFileSync(join(dir, 'mqtt.password'), 'front-secret\n');
  writeFileSync(join(dir, 'owner.key'), `${Buffer.from(owner.seed).toString('hex')}\n`, { mode: 0o600 });
});

const until = <T>(check: () => T | undefined | false, what: string) => waitUntil(check, what, 15_000);

/** A pseudo-terminal pair: the lock's end and the installer's end. */
async function ptyPair(name: string) {
  const lockEnd = join(dir, `${name}-lock`);
  const installerEnd = join(dir, `${name}-installer`);
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${lockEnd}`, `pty,raw,echo=0,link=${installerEnd}`], { stdio: 'ignore' });
  cleanup.push(() => {
    socat.kill('SIGKILL');
  });
  await until(() => existsSync(lockEnd) && existsSync(installerEnd), 'socat to make the pty pair');
  return { lockEnd, installerEnd };
}

/** The lock on the simulated board, its installer line on `port`. */
async function startLock(port: string, stateDir: string): Promise<SimProcess> {
  const config = join(dir, `config-${Date.now()}.json`);
  writeFileSync(config, JSON.stringify({ stateDir, pairing: { port, windowMs: 60_000, factoryResetHoldMs: 1_000 }, autoRelockMs: 5_000 }));
  const lock = startSimProcess(['--config', config]);
  cleanup.push(async () => {
    if (lock.proc.exitCode === null) {
      lock.type('q');
      await Promise.race([lock.exited, new Promise((r) => setTimeout(r, 10_000))]);
      lock.proc.kill('SIGKILL');
    }
  });
  await lock.waitFor(jsonWith({ event: 'pairing-ready' }), 'the installer line');
  return lock;
}

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await lockctl(argv, (line) => out.push(line));
  return { code, text: out.join('\n') };
}

describe.skipIf(missingTools)('installer pairing over a real pseudo-terminal', () => {
  it('first pairing, the lock on Mosquitto with what it was given, a grant by the new owner, self-test; then refused without the button, accepted after a press; factory reset needs the button held', async () => {
    const stateDir = join(dir, 'state');
    const { lockEnd, installerEnd } = await ptyPair('a');
    let lock = await startLock(lockEnd, stateDir);
    const port = ['--port', installerEnd];

    // First pairing: the lock is unpaired, so no button is needed.
    const paired = await run('pair', ...port, '--lock', LOCK, '--tz', 'Europe/Berlin', '--key', join(dir, 'owner.key'), '--secret-file', join(dir, 'keypad.secret'),
      '--mqtt-url', mq.broker.url, '--mqtt-user', LOCK, '--mqtt-password-file', join(dir, 'mqtt.password'), '--mqtt-ca', join(dir, 'ca.pem'), '--out', join(dir, 'device.json'));
    expect(paired.text).toContain('unpaired');
    expect(paired.text).toContain('attestation verified');
    expect(paired.code, paired.text).toBe(0);
    const device = JSON.parse(readFileSync(join(dir, 'device.json'), 'utf8')) as { lockId: string; devicePublicKey: string; ownerKeys: string[] };
    expect(device).toMatchObject({ lockId: LOCK, ownerKeys: [Buffer.from(owner.publicKey).toString('hex')] });

    // The lock now uses the broker it was given: the owner's app sees it online, pushes a PIN grant
    // signed by the new owner key, and gets the lock's signed report that it was stored.
    const app: MqttClient = mqtt.connect(mq.broker.url, { ca: mq.broker.ca, username: 'owner', password: 'owner-secret', protocolVersion: 5 });
    cleanup.push(() => new Promise<void>((r) => app.end(true, {}, () => r())));
    const seen: { topic: string; payload: Buffer }[] = [];
    app.on('message', (topic, payload) => seen.push({ topic, payload }));
    await new Promise<void>((r) => app.on('connect', () => app.subscribe([`locks/${LOCK}/status`, `locks/${LOCK}/events`], { qos: 1 }, () => r())));
    await until(() => seen.some((m) => m.topic.endsWith('/status') && m.payload.toString() === 'online'), 'the lock online on Mosquitto');
    const secret = Uint8Array.from(Buffer.from(readFileSync(join(dir, 'keypad.secret'), 'utf8').trim(), 'hex'));
    const grant = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(0x24), role: 'resident', credential: { kind: 'pin', digests: [pinDigest(secret, '2468')] } });
    await new Promise<void>((resolve, reject) => app.publish(`locks/${LOCK}/grants`, Buffer.from(grant), { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    const stored = await until(() => seen.map((m) => m.topic.endsWith('/events') ? openSigned(new Uint8Array(m.payload), TYP.event, nodeVerifier()) : null)
      .find((o) => o?.ok && (o.value.payload as Map<number, unknown>).get(4) === 'grant-stored'), 'the grant-stored event');
    expect(stored!.ok && Buffer.from(stored!.value.signer).toString('hex')).toBe(device.devicePublicKey); // signed by the attested device key
    expect(stored!.ok && Object.fromEntries((stored!.value.payload as Map<number, unknown>).get(5) as Map<string, unknown>)).toMatchObject({ ok: true });
    lock.type('2468#');
    await lock.waitFor(jsonWith({ event: 'access', via: 'keypad', allow: true }), 'the new owner\'s PIN to open the door');

    // Self-test, within the window the pairing opened.
    const test = await run('self-test', ...port);
    expect(test.text).toMatch(/self-test: PASSED/);
    expect(test.text).toMatch(/bolt +\w+ -> (unlock|lock) \d+ ms -> (lock|unlock) \d+ ms -> \w+/);
    expect(test.text).toMatch(/camera +recording confirmed in \d+ ms/);
    expect(test.code).toBe(0);
    // A keypad wait over the limit is refused as bad-request by the shipped composition, never ignored.
    const line = new PairClient(await openSerialLink(port[1]!, 115_200), port[1]!);
    const overLimit = await line.request('self-test', new Map([['keypadWaitMs', 60_001]])).catch((e: unknown) => e);
    await line.close();
    expect(overLimit).toMatchObject({ code: 'refused', lockCode: 'bad-request', message: expect.stringMatching(/keypadWaitMs/) });

    // The installer leaves; later the lock restarts. Pairing again needs someone at the door.
    lock.type('q');
    expect(await lock.exited).toBe(0);
    const logs = [lock.lines, paired.text, test.text];
    const second = await ptyPair('b');
    lock = await startLock(second.lockEnd, stateDir);
    await lock.waitFor(jsonWith({ event: 'pairing-ready', paired: true }), 'paired after the restart');
    const intruder = testKey('intruder');
    const refused = await run('pair', '--port', second.installerEnd, '--lock', 'taken-over', '--tz', 'UTC', '--owner', Buffer.from(intruder.publicKey).toString('hex'), '--secret-file', join(dir, 'keypad.secret'));
    expect(refused.code).toBe(4);
    expect(refused.text).toMatch(/press its pair button/);
    expect(JSON.parse(readFileSync(join(stateDir, 'paired', 'config.json'), 'utf8')).access.lockId).toBe(LOCK);

    lock.type('p');
    await lock.waitFor(jsonWith({ event: 'pairing-window', reason: 'button' }), 'the window after the press');
    const again = await run('pair', '--port', second.installerEnd, '--lock', LOCK, '--tz', 'Europe/Berlin', '--key', join(dir, 'owner.key'), '--secret-file', join(dir, 'keypad.secret'), '--out', join(dir, 'device2.json'));
    expect(again.code, again.text).toBe(0);

    // Factory reset: refused unless the button is held.
    const notHeld = await run('factory-reset', '--port', second.installerEnd);
    expect(notHeld.code).toBe(4);
    expect(notHeld.text).toMatch(/hold the pair button/);
    expect(existsSync(join(stateDir, 'paired'))).toBe(true);
    lock.type('P');
    await lock.waitFor(jsonWith({ event: 'pair-button-held' }), 'the button held long enough');
    const reset = await run('factory-reset', '--port', second.installerEnd);
    expect(reset.code, `${reset.text}\n${lock.lines.filter((l) => /pair/i.test(l)).join('\n')}`).toBe(0);
    expect(existsSync(join(stateDir, 'paired'))).toBe(false);
    const info = await run('info', '--port', second.installerEnd);
    expect(info.text).toMatch(/unpaired/);
    expect(info.text).toContain(device.devicePublicKey); // the device key stays

    // What pairing carried (the keypad secret, the broker password) is in no log line or output.
    const secretHex = readFileSync(join(dir, 'keypad.secret'), 'utf8').trim();
    const text = [...logs, lock.lines, again.text, reset.text].flat().join('\n');
    expect(text).toContain('pairing'); // the log was read
    expect(text.toLowerCase()).not.toContain(secretHex.toLowerCase());
    expect(text).not.toContain('front-secret');
  }, 120_000);

  it('errors a person can act on: no such port, a port in use, a lock that does not answer', async () => {
    const missing = await run('info', '--port', join(dir, 'no-such-tty'));
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/no serial port at .*is the cable plugged in/);

    const { installerEnd } = await ptyPair('c'); // nothing on the lock's end
    const silent = await run('info', '--port', installerEnd);
    expect(silent.code).toBe(1);
    expect(silent.text).toMatch(/asking again/); // a lock still opening its port gets more than one chance
    expect(silent.text).toMatch(/no answer from the lock .* after 3 tries/);

    const { SerialPort } = await import('serialport');
    const holder = new SerialPort({ path: installerEnd, baudRate: 115200 });
    await new Promise((r) => holder.on('open', r));
    cleanup.push(() => new Promise<void>((r) => holder.close(() => r())));
    const busy = await run('info', '--port', installerEnd);
    expect(busy.code).toBe(1);
    expect(busy.text).toMatch(/in use by another program/);
  }, 30_000);
});
