// The lock's own Ed25519 device key: made at first boot from the injected random source, kept in
// the state directory (0600), used to sign audit events and (issue 7) the pairing attestation.
// Signing goes through node:crypto (OpenSSL), constant-time in the secret key.
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RandomSource } from '../hal/ports/random.js';

/** PKCS#8 prefix for a raw Ed25519 seed (RFC 8410): the DER of the key around the 32 bytes. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface DeviceIdentity {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export function identityFromSeed(seed: Uint8Array): DeviceIdentity {
  if (seed.length !== 32) throw new RangeError('a device key seed is 32 bytes');
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string };
  const publicKey = Uint8Array.from(Buffer.from(jwk.x, 'base64url'));
  return { publicKey, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}

/**
 * Load the device key from `dir/device.key`, or make one (first boot). The seed never leaves the
 * file. The file is the seed (64 hex digits) and, on a second line, the public key (64 hex digits)
 * as a check: a file that is unreadable, or whose seed no longer gives its public key, is damaged.
 * A damaged key is kept aside (`device.key.damaged`) and a new one made, so the lock keeps signing
 * its events; `damaged` says so, for the owner's state-damaged event (the lock needs re-pairing to
 * get an attestation for its new key). A key that cannot be saved (a full card) is used for this run
 * only, and `damaged` says so.
 */
export function loadDeviceIdentity(dir: string, random: RandomSource): { identity: DeviceIdentity; damaged: string | null; saved: boolean } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'device.key');
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let damaged: string | null = null;
  if (text !== null) {
    const [seedHex = '', publicHex] = text.trim().split(/\s+/);
    const held = fromKeyFile(seedHex, publicHex);
    if (typeof held !== 'string') return { identity: held, damaged: null, saved: true };
    damaged = held;
    renameSync(path, `${path}.damaged`);
  }
  const seed = random.bytes(32);
  const identity = identityFromSeed(seed);
  try {
    saveIdentity(path, seed, identity);
  } catch (error) {
    // A full or failing card: the lock still runs, signing with this key until a boot can save one.
    const why = `the new device key could not be saved (${(error as NodeJS.ErrnoException).code ?? 'error'}): it lasts this run only`;
    return { identity, damaged: damaged ? `${damaged}; ${why}` : why, saved: false };
  }
  return { identity, damaged, saved: true };
}

/** The device key for an attestation: one that is saved (a key that lasts one run would be attested for nothing). Throws. */
export function loadOrCreateIdentity(dir: string, random: RandomSource): DeviceIdentity {
  const device = loadDeviceIdentity(dir, random);
  if (!device.saved) throw Object.assign(new Error(`device key: ${device.damaged}`), { code: 'E_STORE' });
  return device.identity;
}

/** The identity a key file holds (its key made once, at boot), or why the file is damaged. */
function fromKeyFile(seedHex: string, publicHex: string | undefined): DeviceIdentity | string {
  if (!/^[0-9a-f]{64}$/.test(seedHex)) return 'the seed is not 64 hex digits';
  if (publicHex !== undefined && !/^[0-9a-f]{64}$/.test(publicHex)) return 'the public key line is not 64 hex digits';
  const identity = identityFromSeed(Uint8Array.from(Buffer.from(seedHex, 'hex')));
  if (publicHex === undefined) return identity; // written before the check line existed
  return Buffer.from(identity.publicKey).toString('hex') === publicHex ? identity : 'the seed no longer gives its public key';
}

/** Whole or not at all (temp file, fsync, rename, fsync the directory): never an empty key file after a kill or a full card. */
function saveIdentity(path: string, seed: Uint8Array, identity: DeviceIdentity): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    try {
      writeFileSync(fd, `${Buffer.from(seed).toString('hex')}\n${Buffer.from(identity.publicKey).toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDirOf(path);
}

function fsyncDirOf(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
