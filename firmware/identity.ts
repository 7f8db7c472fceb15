// The lock's own Ed25519 device key: made at first boot from the injected random source, kept in
// the state directory (0600), used to sign audit events and (issue 7) the pairing attestation.
// Signing goes through node:crypto (OpenSSL), constant-time in the secret key.
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomSource } from '../hal/ports/random.js';
import { KeyFault } from './reasons.js';

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

/** Load the device key from `dir/device.key`, or make one (first boot). The seed never leaves the file. */
export function loadOrCreateIdentity(dir: string, random: RandomSource): DeviceIdentity {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'device.key');
  let seed: Uint8Array;
  try {
    seed = Uint8Array.from(Buffer.from(readFileSync(path, 'utf8').trim(), 'hex'));
    if (seed.length !== 32) throw new KeyFault(`${path} is damaged: expected 64 hex digits`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    seed = random.bytes(32);
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${Buffer.from(seed).toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return identityFromSeed(seed);
}
