// What each pairing request does to the lock: validate the installer's settings (every refusal
// names the field), write them atomically, restart the lock's services on them, and answer with
// the device key and an attestation signed by it.
import { LOCK_ID } from '../config.js';
import { checkTrustedKey } from '../access/ed25519.js';
import { isBytes } from '../access/cose.js';
import { signMessage, TYP } from '../access/messages.js';
import { isValidTimeZone } from '../access/schedule.js';
import type { DeviceIdentity } from '../identity.js';
import type { OffsetClock } from '../util/offset-clock.js';
import { type PairedSections, type PairSettings, wipePaired, writeClockOffset, writePaired } from './paired-state.js';
import { PairingError, type PairingHandlers } from './server.js';

export interface InstallerDeps {
  stateDir: string;
  identity: DeviceIdentity;
  clock: OffsetClock;
  board: string;
  firmwareVersion: string;
  /** The lock's current pairing (null: unpaired, or a pairing too damaged to read). */
  current(): PairedSections | null;
  /** Whether a pairing is on disk, readable or not (pairing again then needs the button). */
  paired(): boolean;
  /** Stop the lock's services, run `change` (files), and start them again on what it returns. */
  restart(change: () => PairedSections | null): Promise<void>;
  selfTest(body: Map<string, unknown>): Promise<Map<string, unknown>>;
  /** Before a factory reset wipes the pairing: take the lock off what it announced (Home Assistant). */
  beforeReset?(): Promise<void>;
}

const bad = (field: string, message: string) => new PairingError('bad-request', `${field}: ${message}`);

export function installerHandlers(d: InstallerDeps): PairingHandlers {
  return {
    paired: () => d.paired(),
    info: () => {
      const paired = d.current();
      return new Map<string, unknown>([
        ['protocol', 1],
        ['firmware', d.firmwareVersion],
        ['board', d.board],
        ['paired', paired !== null],
        ['lockId', paired?.access?.lockId ?? null],
        ['devicePublicKey', d.identity.publicKey],
        ['time', Math.floor(d.clock.now() / 1000)],
      ]);
    },
    async pair(body) {
      const settings = parsePairSettings(body);
      const time = body.get('time') as number;
      await d.restart(() => {
        writeClockOffset(d.stateDir, d.clock.set(time * 1000));
        return writePaired(d.stateDir, settings);
      });
      const seconds = Math.floor(d.clock.now() / 1000);
      const attestation = signMessage(d.identity, TYP.attestation, new Map<number, unknown>([
        [1, settings.lockId],
        [2, settings.ownerKeys],
        [3, seconds],
        [4, d.identity.publicKey],
      ]));
      return new Map<string, unknown>([['lockId', settings.lockId], ['devicePublicKey', d.identity.publicKey], ['time', seconds], ['attestation', attestation]]);
    },
    async setTime(body) {
      const time = body.get('time');
      if (!isSeconds(time)) throw bad('time', 'must be seconds since the epoch (an unsigned integer)');
      for (const key of body.keys()) if (key !== 'time') throw bad(String(key), 'unknown field');
      writeClockOffset(d.stateDir, d.clock.set(time * 1000));
      return new Map<string, unknown>([['time', Math.floor(d.clock.now() / 1000)], ['offsetMs', d.clock.offsetMs]]);
    },
    selfTest: (body) => d.selfTest(body),
    async factoryReset() {
      const was = d.current()?.access?.lockId ?? null;
      await d.beforeReset?.();
      await d.restart(() => {
        wipePaired(d.stateDir);
        d.clock.set(d.clock.raw());
        return null;
      });
      return new Map<string, unknown>([['reset', true], ['was', was]]);
    },
  };
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1_600_000_000 && v <= 0xffffffff;
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** Validate `pair`'s body; every refusal names the field. */
export function parsePairSettings(body: Map<string, unknown>): PairSettings {
  const allowed = ['lockId', 'timeZone', 'time', 'ownerKeys', 'keypadSecret', 'mqtt'];
  for (const key of body.keys()) if (!allowed.includes(key as string)) throw bad(String(key), 'unknown field');
  const lockId = body.get('lockId');
  if (typeof lockId !== 'string' || !LOCK_ID.test(lockId)) throw bad('lockId', '1-64 letters, digits, "_" or "-" (it is part of MQTT topics and Home Assistant ids)');
  const timeZone = body.get('timeZone');
  if (typeof timeZone !== 'string' || !isValidTimeZone(timeZone)) throw bad('timeZone', 'must be an IANA time zone such as Europe/Berlin');
  if (!isSeconds(body.get('time'))) throw bad('time', 'must be seconds since the epoch (an unsigned integer)');
  const ownerKeys = body.get('ownerKeys');
  if (!Array.isArray(ownerKeys) || ownerKeys.length === 0 || ownerKeys.length > 8) throw bad('ownerKeys', 'must be 1-8 public keys');
  ownerKeys.forEach((key: unknown, i) => {
    if (!isBytes(key) || key.length !== 32) throw bad(`ownerKeys[${i}]`, 'must be a 32-byte Ed25519 public key');
    const refusal = checkTrustedKey(key);
    if (refusal) throw bad(`ownerKeys[${i}]`, `refused as a trust anchor (${refusal})`);
  });
  const secret = body.get('keypadSecret');
  if (!isBytes(secret) || secret.length !== 32) throw bad('keypadSecret', 'must be 32 random bytes');
  if (secret.every((b) => b === secret[0])) throw bad('keypadSecret', 'is not random');
  return { lockId, timeZone, ownerKeys: ownerKeys.map((k: Uint8Array) => Uint8Array.from(k)), keypadSecret: Uint8Array.from(secret), mqtt: parseMqtt(body.get('mqtt')) };
}

function parseMqtt(v: unknown): PairSettings['mqtt'] {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Map)) throw bad('mqtt', 'must be a map');
  for (const key of v.keys()) if (!['url', 'username', 'password', 'ca', 'protocolVersion'].includes(key as string)) throw bad(`mqtt.${String(key)}`, 'unknown field');
  const url = v.get('url');
  if (!isText(url, 512) || !/^mqtts?:\/\/[^\s]+$/.test(url)) throw bad('mqtt.url', 'must start with mqtt:// or mqtts://');
  const username = v.get('username');
  if (username !== undefined && !isText(username, 128)) throw bad('mqtt.username', 'must be text (1-128)');
  const password = v.get('password');
  if (password !== undefined && !isText(password, 256)) throw bad('mqtt.password', 'must be text (1-256)');
  const ca = v.get('ca');
  if (ca !== undefined && (!isText(ca, 3000) || !ca.includes('-----BEGIN CERTIFICATE-----'))) throw bad('mqtt.ca', 'must be a PEM certificate (at most 3000 characters)');
  const protocolVersion = v.get('protocolVersion');
  if (protocolVersion !== undefined && protocolVersion !== 4 && protocolVersion !== 5) throw bad('mqtt.protocolVersion', 'must be 4 (MQTT 3.1.1) or 5');
  return { url, username, password, ca, protocolVersion };
}
