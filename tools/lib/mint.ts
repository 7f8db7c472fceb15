// Minting the lock's messages: what an owner's app, a carrier's dispatch system, lockctl and the
// tests do. Ed25519 signing by tweetnacl (deterministic signatures: vectors regenerate exactly).
import nacl from 'tweetnacl';
import { type Claims, encodeClaims, NO_OBLIGATIONS } from '../../firmware/access/grant.js';
import { encodePresentation, encodeRevocations, type Signer, signMessage, TYP } from '../../firmware/access/messages.js';
import { encodeSign1 } from '../../firmware/access/cose.js';

export interface KeyPair extends Signer {
  seed: Uint8Array;
}

export function keyFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return { seed: Uint8Array.from(seed), publicKey: pair.publicKey, sign: (message) => nacl.sign.detached(message, pair.secretKey) };
}

/** A key from a short label: for tests and worked examples only, never for real keys. */
export function testKey(label: string): KeyPair {
  const seed = new Uint8Array(32);
  seed.set(Buffer.from(label.padEnd(32, '.').slice(0, 32)));
  return keyFromSeed(seed);
}

export function randomKey(): KeyPair {
  return keyFromSeed(nacl.randomBytes(32));
}

export type ClaimsInput = Partial<Claims> & Pick<Claims, 'aud'>;

/** Fill defaults: a random 16-byte id, no times, no obligations. */
export function claims(input: ClaimsInput): Claims {
  return {
    iss: null, sub: null, exp: null, nbf: null, iat: null, holderKey: null, role: null, schedule: null,
    maxUses: null, obligations: NO_OBLIGATIONS, delegation: null, credential: null,
    cti: input.cti ?? nacl.randomBytes(16),
    ...input,
    label: input.label ?? null,
  };
}

export function mintGrant(issuer: Signer, input: ClaimsInput): Uint8Array {
  return encodeSign1(issuer.publicKey, TYP.grant, encodeClaims(claims(input)), issuer.sign);
}

export function mintRevocations(owner: Signer, list: { seq: number; aud: string; iat: number; grants?: Uint8Array[]; holders?: Uint8Array[]; issuers?: Uint8Array[] }): Uint8Array {
  const pack = (items: Uint8Array[] = []) => Uint8Array.from(Buffer.concat(items));
  return signMessage(
    owner,
    TYP.revocations,
    encodeRevocations({ seq: list.seq, aud: list.aud, iat: list.iat, grants: pack(list.grants), holders: pack(list.holders), issuers: pack(list.issuers) }),
  );
}

export function mintHeartbeat(owner: Signer, beat: { time: number; seq: number; aud: string }): Uint8Array {
  return signMessage(owner, TYP.heartbeat, new Map<number, unknown>([[1, beat.time], [2, beat.seq], [3, beat.aud]]));
}

export function mintProof(holder: Signer, proof: { aud: string; challenge: Uint8Array; cti: Uint8Array }): Uint8Array {
  return signMessage(holder, TYP.proof, new Map<number, unknown>([[1, proof.aud], [2, proof.challenge], [3, proof.cti]]));
}

export function mintCommand(owner: Signer, c: { aud: string; nonce: Uint8Array; iat: number; exp: number; action: string; mode?: string }): Uint8Array {
  const m = new Map<number, unknown>([[1, c.aud], [2, c.nonce], [3, c.iat], [4, c.exp], [5, c.action]]);
  if (c.mode !== undefined) m.set(6, c.mode);
  return signMessage(owner, TYP.command, m);
}

/** A presentation: the chain (root first) and the holder's proof over the lock's challenge. */
export function present(chain: Uint8Array[], holder: Signer, aud: string, challenge: Uint8Array, cti: Uint8Array): Uint8Array {
  return encodePresentation({ chain, proof: mintProof(holder, { aud, challenge, cti }) });
}
