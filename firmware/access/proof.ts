// The holder proof of a presentation, checked against the leaf grant it answers for. A proof in
// our exact profile is read in place (no decoder, no copies: it is checked on every decision);
// any other goes through openSigned and parseProof. Both give the same answer
// (tests/property/fast-decode.test.ts holds them to it).
import { DEFAULT_LIMITS, headArg, headEnd, readHead, sameAscii, scanCbor } from './cbor.js';
import { KID_AT, ourHeaderTypLength, sigStructureToVerifyAt, sign1PartsAt, TAG_COSE_SIGN1, TYP_AT } from './cose.js';
import type { Ed25519Verifier } from './ed25519.js';
import { openSigned, parseProof, TYP } from './messages.js';
import { sameBytes, sameBytesAt } from '../util/bytes.js';

/** What a proof must name: this lock, as text and (when it round-trips) as its UTF-8 bytes. */
export interface ProofAudience {
  text: string;
  utf8: Uint8Array | null;
}

export function proofAudience(lockId: string): ProofAudience {
  const utf8 = new TextEncoder().encode(lockId);
  return { text: lockId, utf8: new TextDecoder().decode(utf8) === lockId ? utf8 : null };
}

/**
 * The challenge a holder proof answers (a view into `bytes`), or null when it is no good proof
 * for this leaf: not a COSE_Sign1 of type lock-proof in our profile, not signed by `holderKey`,
 * or its payload is not exactly {1: this lock, 2: a 32-byte challenge, 3: the leaf's cti}.
 * Never throws.
 */
export function provenChallenge(bytes: Uint8Array, verifier: Ed25519Verifier, holderKey: Uint8Array, cti: Uint8Array, audience: ProofAudience): Uint8Array | null {
  const parts = audience.utf8 !== null && bytes[0] === 0xc0 + TAG_COSE_SIGN1 && !scanCbor(bytes, DEFAULT_LIMITS) ? sign1PartsAt(bytes) : null;
  if (parts === null || ourHeaderTypLength(bytes, parts[0], parts[1]) < 0) return generic(bytes, verifier, holderKey, cti, audience.text);
  const [p0, p1, q0, q1, s0, s1] = parts as [number, number, number, number, number, number];
  // Our profile: alg EdDSA, the kid, the type, nothing else (what signerOf checks), read in place.
  if (p1 - p0 !== TYP_AT + TYP.proof.length || !sameAscii(TYP.proof, bytes, p0 + TYP_AT)) return null;
  if (!sameBytesAt(bytes, p0 + KID_AT, holderKey) || s1 - s0 !== SIGNATURE.length) return null;
  const payload = bytes.subarray(q0, q1);
  if (scanCbor(payload, DEFAULT_LIMITS, [])) return null;
  const challengeAt = payloadChallengeAt(payload, cti, audience.utf8!);
  if (challengeAt < 0) return null;
  for (let i = 0; i < SIGNATURE.length; i++) SIGNATURE[i] = bytes[s0 + i]!;
  // The kid is holderKey's bytes (compared above): the verifier gets the key the leaf names.
  if (verifier.verify(holderKey, sigStructureToVerifyAt(bytes, p0, p1, q0, q1), SIGNATURE)) return null;
  return payload.subarray(challengeAt, challengeAt + 32);
}

/** The signature's bytes, copied for the verifier: off the V8 heap once, reused (no view built per proof). */
const SIGNATURE = new Uint8Array(new ArrayBuffer(64));

/** Key 1 of the payload map is the lock id, key 2 the challenge, key 3 the cti. */
const AUD = 1;
const CHALLENGE = 2;
const CTI = 3;

/**
 * Where the challenge starts in a scanned payload that is exactly {1: audience, 2: 32 bytes,
 * 3: cti} (any order, each key once: the scan refused duplicates), else -1: what parseProof
 * accepts, and the comparisons the decision makes, read in place.
 */
function payloadChallengeAt(payload: Uint8Array, cti: Uint8Array, audience: Uint8Array): number {
  if (readHead(payload, 0) !== 5 || headArg() !== 3) return -1;
  let at = headEnd();
  let challengeAt = -1;
  for (let i = 0; i < 3; i++) {
    if (readHead(payload, at) !== 0) return -1;
    const key = headArg();
    const major = readHead(payload, headEnd());
    const start = headEnd();
    const length = headArg();
    if (key === AUD) {
      if (major !== 3 || length !== audience.length || !sameBytesAt(payload, start, audience)) return -1;
    } else if (key === CHALLENGE) {
      if (major !== 2 || length !== 32) return -1;
      challengeAt = start;
    } else if (key === CTI) {
      if (major !== 2 || length !== cti.length || !sameBytesAt(payload, start, cti)) return -1;
    } else return -1;
    at = start + length;
  }
  return challengeAt;
}

/** The same check through the general path: openSigned, parseProof, then the comparisons. */
function generic(bytes: Uint8Array, verifier: Ed25519Verifier, holderKey: Uint8Array, cti: Uint8Array, lockId: string): Uint8Array | null {
  // Read at once, nothing of it kept: views into the presentation, not copies (openSigned `copy`).
  const proof = openSigned(bytes, TYP.proof, verifier, DEFAULT_LIMITS, false);
  if (!proof.ok || !sameBytes(proof.value.signer, holderKey)) return null;
  const claims = parseProof(proof.value.payload);
  if (!claims || claims.aud !== lockId || !sameBytes(claims.cti, cti)) return null;
  return claims.challenge;
}
