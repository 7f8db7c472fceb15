// A test signer whose public key has a small-order component (A + T, T of order 8), for vectors
// that check the lock refuses such keys where it trusts a key as an issuer. Its signatures verify
// under strict cofactorless RFC 8032 because each is retried until the hash k is a multiple of 8,
// so [k]T vanishes. Test tooling only: never a way to make keys.
import { createHash } from 'node:crypto';
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import type { Signer } from '../../firmware/access/messages.js';

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const fromLE = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`);
const toLE32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
const sha512 = (...parts: Uint8Array[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export function torsionedSigner(seed: Uint8Array): Signer {
  const { scalar, prefix, point } = ed25519.utils.getExtendedPublicKey(seed);
  const publicKey = point.add(ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[1]!)).toBytes();
  return {
    publicKey,
    sign(message) {
      for (let i = 0; ; i++) {
        const r = fromLE(sha512(prefix, message, Uint8Array.of(i))) % L;
        const R = ed25519.Point.BASE.multiply(r).toBytes();
        const k = fromLE(sha512(R, publicKey, message)) % L;
        if (k % 8n !== 0n) continue;
        return Uint8Array.from([...R, ...toLE32((r + k * scalar) % L)]);
      }
    },
  };
}
