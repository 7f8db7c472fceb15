// Ed25519 signature verification under one written policy: strict RFC 8032 (cofactorless), with
// our byte-level pre-checks run before any library sees the bytes, so that libsodium (the default,
// where its prebuilt binding loads), node:crypto (OpenSSL, cached key objects) and tweetnacl (the
// pure-JavaScript reference) give the same answer.
// Verification handles public data only; it returns a reason, it never throws on attacker bytes.
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { createRequire } from 'node:module';
import { sameBytes } from '../util/bytes.js';

export type Ed25519Provider = 'sodium' | 'node' | 'tweetnacl';
export const ED25519_PROVIDERS = ['sodium', 'node', 'tweetnacl'] as const satisfies readonly Ed25519Provider[];

/** Why a signature or key was refused. Closed set. */
export type Ed25519Refusal =
  | 'bad-key-length' // public key is not 32 bytes
  | 'bad-signature-length' // signature is not 64 bytes
  | 'non-canonical-key' // A's y >= p, or x = 0 encoded with the sign bit
  | 'small-order-key' // A is one of the 8 points of order dividing 8
  | 'non-canonical-r' // R's y >= p, or x = 0 with the sign bit
  | 'small-order-r' // R is a small-order point
  | 's-not-reduced' // S >= L (malleability)
  | 'bad-signature' // the equation does not hold (or A is not on the curve)
  | 'key-not-on-curve' // provisioning: A does not decode to a point
  | 'key-not-torsion-free'; // provisioning: A has a small-order component

/** L, the order of the prime subgroup, little-endian. */
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);
/** p = 2^255 - 19, little-endian. */
const P = Uint8Array.from([0xed, ...new Array<number>(30).fill(0xff), 0x7f]);

const hexToBytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
/**
 * Encodings of the 8 small-order points (noble's table), plus the two where x = 0 with the sign
 * bit set (identity and (0, -1)); those are non-canonical, but listed so either check catches them.
 */
const SMALL_ORDER: readonly Uint8Array[] = ED25519_TORSION_SUBGROUP.flatMap((hex: string) => {
  const bytes = hexToBytes(hex);
  const flipped = Uint8Array.from(bytes);
  flipped[31]! ^= 0x80;
  return [bytes, flipped];
});

/** a < b for 32-byte little-endian integers; constant in structure, public data only. */
function lessThan(a: Uint8Array, offset: number, b: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = a[offset + i]!;
    const y = b[i]!;
    if (x !== y) return x < y;
  }
  return false;
}

/** A canonical point encoding: y < p, and not x = 0 with the sign bit set. No allocation. */
function canonicalPoint(bytes: Uint8Array, offset: number): boolean {
  const top = bytes[offset + 31]!;
  const sign = top & 0x80;
  // y < p, comparing from the most significant byte with the sign bit masked off.
  for (let i = 31; i >= 0; i--) {
    const y = i === 31 ? top & 0x7f : bytes[offset + i]!;
    const p = P[i]!;
    if (y < p) break;
    if (y > p || i === 0) return false; // y > p, or y == p
  }
  if (sign) {
    // x = 0 exactly when y = 1 or y = p - 1; a set sign bit is then a second encoding.
    let one = bytes[offset] === 1;
    let minusOne = bytes[offset] === 0xec;
    for (let i = 1; i < 31; i++) {
      const b = bytes[offset + i]!;
      one &&= b === 0;
      minusOne &&= b === 0xff;
    }
    if ((one && (top & 0x7f) === 0) || (minusOne && (top & 0x7f) === 0x7f)) return false;
  }
  return true;
}

/** First bytes of the blocklisted encodings: most inputs are cleared by one byte compare. */
const SMALL_ORDER_FIRST = new Set(SMALL_ORDER.map((b) => b[0]!));

function isSmallOrder(bytes: Uint8Array, offset: number): boolean {
  if (!SMALL_ORDER_FIRST.has(bytes[offset]!)) return false;
  for (const point of SMALL_ORDER) if (samePoint(point, bytes, offset)) return true;
  return false;
}

function samePoint(point: Uint8Array, bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (point[i] !== bytes[offset + i]) return false;
  return true;
}

/** The pre-checks of our policy, in order; null when the bytes may go to a provider. */
export function precheck(publicKey: Uint8Array, signature: Uint8Array): Ed25519Refusal | null {
  if (publicKey.length !== 32) return 'bad-key-length';
  if (signature.length !== 64) return 'bad-signature-length';
  if (!canonicalPoint(publicKey, 0)) return 'non-canonical-key';
  if (isSmallOrder(publicKey, 0)) return 'small-order-key';
  if (!canonicalPoint(signature, 0)) return 'non-canonical-r';
  if (isSmallOrder(signature, 0)) return 'small-order-r';
  if (!lessThan(signature, 32, L)) return 's-not-reduced';
  return null;
}

/**
 * Checks for a key about to become trusted (owner key, delegated issuer): the pre-checks, a
 * strict decode, and torsion-freeness ([L]A = identity). Done once, at provisioning: too slow
 * for every verification, and it is the key, not the signature, that it judges.
 */
export function checkTrustedKey(publicKey: Uint8Array): Ed25519Refusal | null {
  if (publicKey.length !== 32) return 'bad-key-length';
  if (!canonicalPoint(publicKey, 0)) return 'non-canonical-key';
  if (isSmallOrder(publicKey, 0)) return 'small-order-key';
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    return 'key-not-on-curve';
  }
  return point.isTorsionFree() ? null : 'key-not-torsion-free';
}

export interface Ed25519Verifier {
  readonly provider: Ed25519Provider;
  /** Set when the provider asked for could not load and this one stands in: why. */
  readonly fallback?: string;
  /** null when the signature is valid under our policy, else why not. Never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Ed25519Refusal | null;
}

/** node:crypto (OpenSSL) with a bounded cache of key objects. */
export function nodeVerifier(cacheSize = 4096): Ed25519Verifier {
  const keys = new Map<string, KeyObject | null>();
  let lastBytes: Uint8Array | null = null;
  let lastKey: KeyObject | null = null;
  const keyObject = (publicKey: Uint8Array): KeyObject | null => {
    // The same key object is asked for again and again (one owner, one courier): try it first.
    if (lastBytes && lastBytes.length === 32 && sameBytes(lastBytes, publicKey)) return lastKey;
    const id = Buffer.from(publicKey).toString('base64url');
    let key = keys.get(id);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
      } catch {
        key = null; // not a point on the curve
      }
      if (keys.size >= cacheSize) keys.delete(keys.keys().next().value!);
      keys.set(id, key);
    }
    lastBytes = Uint8Array.from(publicKey);
    lastKey = key;
    return key;
  };
  return {
    provider: 'node',
    verify(publicKey, message, signature) {
      const refusal = precheck(publicKey, signature);
      if (refusal) return refusal;
      const key = keyObject(publicKey);
      if (!key) return 'bad-signature';
      try {
        return nodeVerify(null, message, key, signature) ? null : 'bad-signature';
      } catch {
        return 'bad-signature';
      }
    },
  };
}

/** tweetnacl: pure JavaScript, the reference the fast path is checked against. Loaded on first use. */
export function tweetnaclVerifier(): Ed25519Verifier {
  const nacl = createRequire(import.meta.url)('tweetnacl') as typeof import('tweetnacl');
  return {
    provider: 'tweetnacl',
    verify(publicKey, message, signature) {
      const refusal = precheck(publicKey, signature);
      if (refusal) return refusal;
      try {
        return nacl.sign.detached.verify(message, signature, publicKey) ? null : 'bad-signature';
      } catch {
        return 'bad-signature';
      }
    },
  };
}

/** The part of sodium-native's binding we use. */
export interface SodiumBinding {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}
export type SodiumLoader = () => SodiumBinding;

/** sodium-native is an optional dependency: absent, or without a prebuilt binary (32-bit ARM), it throws here. */
export const loadSodiumNative: SodiumLoader = () => {
  const binding = createRequire(import.meta.url)('sodium-native') as SodiumBinding;
  if (typeof binding.crypto_sign_verify_detached !== 'function') throw new Error('sodium-native has no crypto_sign_verify_detached');
  return binding;
};

/** libsodium through sodium-native: a native call, no key objects to cache. */
export function sodiumVerifier(binding: SodiumBinding = loadSodiumNative()): Ed25519Verifier {
  return {
    provider: 'sodium',
    verify(publicKey, message, signature) {
      const refusal = precheck(publicKey, signature);
      if (refusal) return refusal;
      try {
        return binding.crypto_sign_verify_detached(signature, message, publicKey) ? null : 'bad-signature';
      } catch {
        return 'bad-signature';
      }
    },
  };
}

/**
 * The verifier for `provider`. 'sodium' falls back to node:crypto where the binding cannot load;
 * the verifier then says so in `fallback` (the composition logs it once at boot). The binding
 * loads on first use (a verification, or reading `provider` or `fallback`), not at construction:
 * a lock with nothing to verify at boot reaches "ready" without it.
 */
export function createVerifier(provider: Ed25519Provider, loadSodium: SodiumLoader = loadSodiumNative): Ed25519Verifier {
  if (provider === 'tweetnacl') return tweetnaclVerifier();
  if (provider === 'node') return nodeVerifier();
  let inner: Ed25519Verifier | null = null;
  const resolve = (): Ed25519Verifier => (inner ??= loadSodiumOrFallBack(loadSodium));
  return {
    get provider() {
      return resolve().provider;
    },
    get fallback() {
      return resolve().fallback;
    },
    verify: (publicKey, message, signature) => (inner ?? resolve()).verify(publicKey, message, signature),
  };
}

function loadSodiumOrFallBack(loadSodium: SodiumLoader): Ed25519Verifier {
  let binding: SodiumBinding;
  try {
    binding = loadSodium();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { ...nodeVerifier(), fallback: `libsodium unavailable (${reason}): node:crypto verifies` };
  }
  return sodiumVerifier(binding);
}
