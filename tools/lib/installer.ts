// lockctl's installer commands over the serial line: info, pair, set-time, self-test, factory-reset.
// Each prints its progress, and every failure says what the installer can do about it.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { isBytes } from '../../firmware/access/cose.js';
import { openSigned, TYP } from '../../firmware/access/messages.js';
import { fromCbor, toCbor } from '../../firmware/pairing/protocol.js';
import type { SelfTestReport } from '../../firmware/pairing/self-test.js';
import { HalError } from '../../hal/ports/errors.js';
import type { SerialLink } from '../../hal/ports/serial-link.js';
import { hexBytes, readKey, readSecretFile, time, UsageError } from './args.js';
import { readInput, userPath, writeOutput } from './io.js';
import { PairClient, PairClientError } from './pair-client.js';
import { toHex as hex } from '../../firmware/util/hex.js';

export const INSTALLER_COMMANDS = ['info', 'pair', 'set-time', 'self-test', 'factory-reset'] as const;

export interface InstallerValues {
  port?: string;
  baud?: string;
  lock?: string;
  tz?: string;
  owner?: string[];
  key?: string;
  'secret-file'?: string;
  'mqtt-url'?: string;
  'mqtt-user'?: string;
  'mqtt-password-file'?: string;
  'mqtt-ca'?: string;
  'mqtt-version'?: string;
  time?: string;
  out?: string;
  keypad?: boolean;
  json?: boolean;
}

type Say = (line: string) => void;
/** Progress and errors (stderr) apart from results (stdout); one function gets both. */
type Lines = Say | { progress: Say; result: Say };
type Open = (path: string, baudRate: number) => Promise<SerialLink>;


/** Run an installer command; resolves with the process exit code. */
const openSerial: Open = async (path, baudRate) => (await import('../../hal/node/serial-link.js')).openSerialLink(path, baudRate);

export async function runInstaller(command: (typeof INSTALLER_COMMANDS)[number], v: InstallerValues, lines: Lines, open: Open = openSerial, now = () => Date.now()): Promise<number> {
  const { progress: say, result } = typeof lines === 'function' ? { progress: lines, result: lines } : lines;
  const port = v.port ?? '/dev/ttyUSB0';
  const baud = v.baud === undefined ? 115_200 : Number(v.baud);
  if (![9600, 19200, 38400, 57600, 115200, 230400].includes(baud)) throw new UsageError('--baud must be one of 9600, 19200, 38400, 57600, 115200, 230400');
  // Check the arguments before touching the line.
  const settings = command === 'pair' ? pairBody(v, now()) : null;
  say(`opening ${port} at ${baud} baud...`);
  let link: SerialLink;
  try {
    link = await open(port, baud);
  } catch (error) {
    say(`error: ${error instanceof HalError ? error.message.replace(/^E_[A-Z_]+: /, '') : (error as Error).message}`);
    return 1;
  }
  const client = new PairClient(link, port);
  try {
    say('asking the lock who it is...');
    const info = await askInfo(client, port, say);
    const who = `${info.get('paired') ? `paired as "${String(info.get('lockId'))}"` : 'unpaired'}, board ${String(info.get('board'))}, firmware ${String(info.get('firmware'))}, device key ${hex(info.get('devicePublicKey') as Uint8Array)}`;
    if (command !== 'info') say(`  ${who}`);
    switch (command) {
      case 'info':
        result(v.json ? JSON.stringify(fromCbor(info), null, 2) : who);
        return 0;
      case 'pair':
        return await pair(client, settings!, info, v, say, result);
      case 'set-time': {
        const at = time(v.time ?? 'now', '--time', now())!;
        say(`setting the lock's clock to ${new Date(at * 1000).toISOString()}...`);
        const reply = await client.request('set-time', new Map([['time', at]]));
        const reads = new Date((reply.get('time') as number) * 1000).toISOString();
        result(v.json ? JSON.stringify({ time: reads }) : `done: the lock reads ${reads}`);
        return 0;
      }
      case 'self-test': {
        const keypadWaitMs = v.keypad ? 20_000 : 0;
        say(v.keypad ? 'running the self-test: the bolt will move; press any key on the keypad when asked...' : 'running the self-test: the bolt will move...');
        if (v.keypad) say('  press any key on the lock\'s keypad now');
        const reply = await client.request('self-test', new Map([['keypadWaitMs', keypadWaitMs]]), 30_000 + keypadWaitMs);
        const report = fromCbor(reply) as SelfTestReport;
        if (v.json) result(JSON.stringify(report, null, 2));
        else for (const line of describeSelfTest(report)) result(line);
        return report.ok ? 0 : 3;
      }
      case 'factory-reset': {
        say('factory reset: the lock forgets its owners, secrets, broker, grants and events (its device key stays)...');
        const reply = await client.request('factory-reset', new Map(), 10_000);
        const was = reply.get('was');
        result(v.json ? JSON.stringify({ unpaired: was ?? null }) : `done${was ? `: "${String(was)}" is unpaired` : ''}; pair it again with lockctl pair`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof PairClientError) {
      say(`error: ${error.message}`);
      return error.code === 'refused' ? 4 : 1;
    }
    throw error;
  } finally {
    await client.close();
  }
}

async function pair(client: PairClient, body: Map<string, unknown>, info: Map<string, unknown>, v: InstallerValues, say: Say, result: Say): Promise<number> {
  const lockId = body.get('lockId') as string;
  say(`pairing as "${lockId}" with ${(body.get('ownerKeys') as Uint8Array[]).length} owner key(s)${body.has('mqtt') ? `, broker ${String((body.get('mqtt') as Map<string, unknown>).get('url'))}` : ''}...`);
  const reply = await client.request('pair', body, 15_000);
  const device = reply.get('devicePublicKey');
  const attestation = reply.get('attestation');
  if (!isBytes(device) || !isBytes(attestation)) throw new PairClientError('bad-reply', 'the lock answered the pairing without its device key or attestation');
  // The attestation must be signed by the device key the lock announced, over what we sent.
  say('checking the lock\'s attestation...');
  const opened = openSigned(attestation, TYP.attestation, nodeVerifier());
  if (!opened.ok) throw new PairClientError('bad-reply', `the attestation does not verify (${opened.reason})`);
  const claims = opened.value.payload as Map<number, unknown>;
  const owners = claims.get(2);
  const problems = [
    Buffer.compare(opened.value.signer, device) !== 0 && 'it is not signed by the device key the lock sent',
    Buffer.compare(device, info.get('devicePublicKey') as Uint8Array) !== 0 && 'the device key changed between info and pair',
    claims.get(1) !== lockId && 'it names another lock id',
    !(Array.isArray(owners) && owners.length === (body.get('ownerKeys') as Uint8Array[]).length && owners.every((k, i) => isBytes(k) && Buffer.compare(k, (body.get('ownerKeys') as Uint8Array[])[i]!) === 0)) && 'it names other owner keys',
    Math.abs((claims.get(3) as number) - (body.get('time') as number)) > 120 && 'its time is not the time we set',
  ].filter(Boolean);
  if (problems.length) throw new PairClientError('bad-reply', `the attestation is wrong: ${problems.join('; ')}`);
  const out = v.out ?? userPath(`${lockId}.device.json`); // beside the user, as --out would be (npm runs scripts in the package root)
  const record = { lockId, devicePublicKey: hex(device), ownerKeys: (owners as Uint8Array[]).map(hex), pairedAt: new Date((claims.get(3) as number) * 1000).toISOString(), attestation: hex(attestation) };
  writeOutput(out, `${JSON.stringify(record, null, 2)}\n`, '--out');
  result(v.json ? JSON.stringify({ ...record, file: out }) : `paired. Device key ${hex(device)}; attestation verified and saved to ${out}`);
  say('  next: lockctl self-test (within the pairing window)');
  return 0;
}

/** The `pair` request body from the command line; every problem is a UsageError naming the option. */
export function pairBody(v: InstallerValues, nowMs: number): Map<string, unknown> {
  if (!v.lock) throw new UsageError('--lock is required: the id the lock will have (1-64 letters, digits, "_" or "-")');
  if (!v.tz) throw new UsageError('--tz is required: the IANA time zone the lock\'s schedules are read in, e.g. Europe/Berlin');
  const owners = (v.owner ?? []).map((o) => hexBytes(o, '--owner', 32));
  if (v.key) owners.push(readKey(v.key).publicKey);
  if (owners.length === 0) throw new UsageError('give the owner: --owner PUBHEX (repeatable) or --key OWNER.key');
  const secretFile = v['secret-file'];
  if (!secretFile) throw new UsageError('--secret-file is required: the keypad secret (made there if the file does not exist; keep it with the owner key)');
  let secret: Uint8Array;
  if (existsSync(secretFile)) secret = readSecretFile(secretFile);
  else {
    secret = Uint8Array.from(randomBytes(32));
    writeOutput(secretFile, `${hex(secret)}\n`, '--secret-file', { exclusive: true, mode: 0o600 });
  }
  const body = new Map<string, unknown>([
    ['lockId', v.lock],
    ['timeZone', v.tz],
    ['time', time(v.time ?? 'now', '--time', nowMs)!],
    ['ownerKeys', owners],
    ['keypadSecret', secret],
  ]);
  if (v['mqtt-url']) {
    const read = (path: string, what: string) => readInput(path, what).toString('utf8');
    body.set('mqtt', toCbor({
      url: v['mqtt-url'],
      username: v['mqtt-user'],
      password: v['mqtt-password-file'] ? read(v['mqtt-password-file'], '--mqtt-password-file').trim() : undefined,
      ca: v['mqtt-ca'] ? read(v['mqtt-ca'], '--mqtt-ca') : undefined,
      protocolVersion: v['mqtt-version'] ? Number(v['mqtt-version']) : undefined,
    }));
  }
  return body;
}

/** A self-test report for a person. */
export function describeSelfTest(r: SelfTestReport): string[] {
  const strokes = r.bolt.strokes.map((s) => `${s.op} ${s.outcome === 'done' ? `${s.ms} ms` : `FAILED (${s.detail ?? s.outcome})`}`);
  return [
    `self-test: ${r.ok ? 'PASSED' : 'FAILED'}`,
    `  bolt         ${r.bolt.skipped ? `not tested: ${r.bolt.skipped}` : [r.bolt.before, ...strokes, r.bolt.after].join(' -> ')}`,
    `  door         ${r.door}`,
    `  tamper       ${r.tamper === null ? 'not fitted' : r.tamper ? 'OPEN (the case is open)' : 'closed'}`,
    `  battery      ${!r.battery.fitted ? 'not fitted' : r.battery.percent === null ? 'no reading yet' : `${r.battery.percent} %`}`,
    `  pair button  ${r.pairButton === null ? 'not fitted' : r.pairButton ? 'pressed' : 'not pressed'}`,
    `  camera       ${!r.camera.fitted ? 'not fitted' : r.camera.skipped ? `not tested: ${r.camera.skipped}` : r.camera.confirmedMs === null ? 'FAILED: no recording confirmation' : `recording confirmed in ${r.camera.confirmedMs} ms`}`,
    `  keypad       ${!r.keypad.fitted ? 'not fitted' : !r.keypad.asked ? 'fitted (not tested; --keypad tests it)' : r.keypad.keyPressed ? 'a key press was read' : 'FAILED: no key press was read'}`,
  ];
}

/** Tries and per-try wait for `info`: bytes sent before the lock has opened its port are lost (PROTOCOL.md §14). */
export const INFO_TRIES = 3;
export const INFO_TRY_MS = 1_500;

/** Ask `info` until the lock answers, at most INFO_TRIES times; any other failure ends at once. */
async function askInfo(client: PairClient, port: string, say: Say): Promise<Map<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request('info', new Map(), INFO_TRY_MS);
    } catch (error) {
      if (!(error instanceof PairClientError) || error.code !== 'no-answer') throw error;
      if (attempt === INFO_TRIES) {
        throw new PairClientError('no-answer', `no answer from the lock on ${port} after ${INFO_TRIES} tries (${(INFO_TRIES * INFO_TRY_MS) / 1000} s): check the cable, the baud rate (--baud) and that the lock is powered and running`);
      }
      say('  no answer yet (the lock may still be opening its serial port); asking again...');
    }
  }
}
