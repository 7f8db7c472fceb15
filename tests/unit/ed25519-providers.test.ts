// Choosing the Ed25519 provider: libsodium by default, node:crypto in its place where the binding
// cannot load (said once, by the core, for the boot log), and every provider under the same pre-checks.
import { describe, expect, it } from 'vitest';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { createVerifier, type Ed25519Provider, type SodiumBinding } from '../../firmware/access/ed25519.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { seededRandom } from '../../hal/node/random.js';
import { testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const key = testKey('providers');
const message = new TextEncoder().encode('open the door');
const signature = key.sign(message);
const failingLoader = () => {
  throw new Error("Cannot find module 'sodium-native'\nRequire stack: ...");
};

describe('Ed25519 providers', () => {
  it('defaults to libsodium, which loads on this platform', () => {
    expect(DEFAULT_ACCESS.provider).toBe('sodium');
    const verifier = createVerifier('sodium');
    expect(verifier.provider).toBe('sodium');
    expect(verifier.fallback).toBeUndefined();
    expect(verifier.verify(key.publicKey, message, signature)).toBeNull();
  });

  it.each(['sodium', 'node', 'tweetnacl'] as const)('%s: valid, tampered and pre-checked signatures', (provider: Ed25519Provider) => {
    const verifier = createVerifier(provider);
    expect(verifier.provider).toBe(provider);
    expect(verifier.verify(key.publicKey, message, signature)).toBeNull();
    const bad = Uint8Array.from(signature);
    bad[5]! ^= 1;
    expect(verifier.verify(key.publicKey, message, bad)).toBe('bad-signature');
    const high = Uint8Array.from(signature);
    high[63] = 0xff; // S >= L: refused before any library sees it
    expect(verifier.verify(key.publicKey, message, high)).toBe('s-not-reduced');
    expect(verifier.verify(key.publicKey.subarray(1), message, signature)).toBe('bad-key-length');
  });

  it('falls back to node:crypto, saying why in one line, where the binding cannot load', () => {
    const verifier = createVerifier('sodium', failingLoader);
    expect(verifier.provider).toBe('node');
    expect(verifier.fallback).toBe("libsodium unavailable (Cannot find module 'sodium-native'): node:crypto verifies");
    expect(verifier.verify(key.publicKey, message, signature)).toBeNull();
    expect(verifier.verify(key.publicKey, message, new Uint8Array(64))).toBe('small-order-r');
  });

  it('a binding that throws on a call refuses, never throws', () => {
    const binding: SodiumBinding = {
      crypto_sign_verify_detached: () => {
        throw new TypeError('boom');
      },
    };
    expect(createVerifier('sodium', () => binding).verify(key.publicKey, message, signature)).toBe('bad-signature');
  });

  it('the core reports the provider in use and the fallback reason for the boot log', () => {
    const owner = testKey('owner');
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const deps = { clock, random: seededRandom(1), store: new MemoryStore() };
    const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'door', timeZone: 'UTC', ownerKeys: [owner.publicKey] }, deps);
    expect(core.verifierProvider).toBe('sodium');
    expect(core.verifierFallback).toBeNull();
    const fallback = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'door', timeZone: 'UTC', ownerKeys: [owner.publicKey], loadSodium: failingLoader }, deps);
    expect(fallback.verifierProvider).toBe('node');
    expect(fallback.verifierFallback).toMatch(/^libsodium unavailable/);
  });
});

describe('libsodium loads on first use', () => {
  it('not at construction: a lock with nothing to verify at boot reaches ready without it', () => {
    let loads = 0;
    const verifier = createVerifier('sodium', () => {
      loads++;
      return { crypto_sign_verify_detached: () => true };
    });
    expect(loads).toBe(0);
    expect(verifier.verify(key.publicKey, message, signature)).toBeNull();
    expect(verifier.verify(key.publicKey, message, signature)).toBeNull();
    expect(verifier.provider).toBe('sodium');
    expect(loads).toBe(1);
  });
});
