// What pairing leaves on the lock, in its state directory (0700):
//   device.key            the device key (identity.ts); survives a factory reset
//   clock.json            the installer's clock correction (set-time)
//   paired/config.json    the access and mqtt config sections, pointing at the files beside it
//   paired/keypad.secret  the keypad secret, 64 hex digits (0600)
//   paired/mqtt.password  the broker password (0600), when given
//   paired/mqtt-ca.pem    the broker's CA, when given
//   paired/data/          the access store and the event outbox
// `paired/` is built under a temporary name and renamed into place, so a power cut leaves the lock
// either paired with all of it or unpaired. A factory reset renames it away, then deletes it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, type PairedSections, parsePairedSections } from '../config.js';
import { fsyncDir, writeAtomic } from '../store/journal.js';
import { toHex as hex } from '../util/hex.js';

export interface PairSettings {
  lockId: string;
  timeZone: string;
  ownerKeys: Uint8Array[];
  keypadSecret: Uint8Array;
  mqtt: { url: string; username?: string; password?: string; ca?: string; protocolVersion?: 4 | 5 } | null;
}

export type { PairedSections };


/** Whether a pairing is on disk (readable or not): a paired lock needs the button to pair again. */
export function isPaired(stateDir: string): boolean {
  return existsSync(join(stateDir, 'paired', 'config.json'));
}

/**
 * The access and mqtt sections pairing wrote, or null when the lock is unpaired. Validated with
 * the config schema: a damaged file throws a ConfigError naming the file and field.
 */
export function readPaired(stateDir: string): PairedSections | null {
  cleanLeftovers(stateDir);
  const path = join(stateDir, 'paired', 'config.json');
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: cannot read or parse: ${(error as Error).message}`, null);
  }
  return parsePairedSections(raw, path);
}

/** Write a pairing atomically; keeps the access data when the lock id and owners are unchanged. */
export function writePaired(stateDir: string, s: PairSettings): PairedSections {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  let previous: PairedSections | null = null;
  try {
    previous = readPaired(stateDir); // (also clears what an interrupted pairing left)
  } catch {
    previous = null; // a damaged pairing is replaced whole, its data with it
  }
  const final = join(stateDir, 'paired');
  const temp = join(stateDir, `paired.tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(temp, { mode: 0o700 });
  const sameOwner = previous?.access?.lockId === s.lockId && sameKeys(previous.access.ownerKeys, s.ownerKeys.map(hex));
  const sections: PairedSections = {
    access: {
      lockId: s.lockId,
      timeZone: s.timeZone,
      ownerKeys: s.ownerKeys.map(hex),
      stateDir: join(final, 'data'),
      keypadSecretFile: join(final, 'keypad.secret'),
      provider: 'sodium',
    },
    mqtt: s.mqtt
      ? {
          url: s.mqtt.url,
          username: s.mqtt.username,
          passwordFile: s.mqtt.password !== undefined ? join(final, 'mqtt.password') : undefined,
          caFile: s.mqtt.ca !== undefined ? join(final, 'mqtt-ca.pem') : undefined,
          protocolVersion: s.mqtt.protocolVersion ?? 5,
          outboxCap: 50_000,
        }
      : undefined,
  };
  writeSecret(join(temp, 'keypad.secret'), `${hex(s.keypadSecret)}\n`);
  if (s.mqtt?.password !== undefined) writeSecret(join(temp, 'mqtt.password'), s.mqtt.password);
  if (s.mqtt?.ca !== undefined) writeSecret(join(temp, 'mqtt-ca.pem'), s.mqtt.ca);
  writeSecret(join(temp, 'config.json'), `${JSON.stringify(sections, null, 2)}\n`);
  // Same lock, same owners (a broker change): keep the uses, time floor and pending events.
  if (sameOwner && existsSync(join(final, 'data'))) renameSync(join(final, 'data'), join(temp, 'data'));
  fsyncDir(temp);
  if (existsSync(final)) discard(stateDir, final);
  renameSync(temp, final);
  fsyncDir(stateDir);
  return sections;
}

/** Forget the pairing (owners, secrets, broker, grants, uses, events); the device key stays. */
export function wipePaired(stateDir: string): void {
  const final = join(stateDir, 'paired');
  if (existsSync(final)) discard(stateDir, final);
  rmSync(join(stateDir, 'clock.json'), { force: true });
  fsyncDir(stateDir);
}

/** The installer's clock correction (ms to add to the board's clock), 0 when none. */
export function readClockOffset(stateDir: string): number {
  try {
    const value = (JSON.parse(readFileSync(join(stateDir, 'clock.json'), 'utf8')) as { offsetMs?: unknown }).offsetMs;
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  } catch {
    return 0;
  }
}

export function writeClockOffset(stateDir: string, offsetMs: number): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeSecret(join(stateDir, 'clock.json'), `${JSON.stringify({ offsetMs })}\n`);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** A 0600 file written whole or not at all. */
function writeSecret(path: string, text: string): void {
  writeAtomic(dirname(path), basename(path), [Buffer.from(text)]);
}

/** Rename out of the way (atomic), then delete. */
function discard(stateDir: string, path: string): void {
  const trash = join(stateDir, `paired.old-${randomBytes(4).toString('hex')}`);
  renameSync(path, trash);
  fsyncDir(stateDir);
  rmSync(trash, { recursive: true, force: true });
}

/** A pairing or reset cut short by a power loss leaves a temporary directory: remove it. */
function cleanLeftovers(stateDir: string): void {
  if (!existsSync(stateDir)) return;
  for (const name of readdirSync(stateDir)) {
    if (name.startsWith('paired.tmp-') || name.startsWith('paired.old-')) rmSync(join(stateDir, name), { recursive: true, force: true });
  }
}
