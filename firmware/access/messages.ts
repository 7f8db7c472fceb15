// The lock's signed messages besides grants: revocation lists, heartbeats, holder proofs, remote
// commands, and the presentation that carries a chain and a proof. Each is a COSE_Sign1 whose
// protected header names its type, so no message can be replayed as another kind.

import { type CborLimits, DEFAULT_LIMITS, decodeScanned, encodeDeterministic, headArg, headEnd, readHead, scanCbor } from './cbor.js';
import { decodeSign1, encodeSign1, HEADER_KID, HEADER_TYP, isBytes, sigStructureToVerify, signerOf } from './cose.js';
import type { Ed25519Verifier } from './ed25519.js';

export const TYP = {
  grant: 'lock-grant',
  revocations: 'lock-revocations',
  heartbeat: 'lock-heartbeat',
  proof: 'lock-proof',
  command: 'lock-command',
  /** Signed by the lock's device key: audit events (firmware/sync/outbox.ts). */
  event: 'lock-event',
  /** Signed by the lock's device key at pairing: who it was paired to, when (firmware/pairing/). */
  attestation: 'lock-attestation',
} as const;
export type Typ = (typeof TYP)[keyof typeof TYP];

export type OpenRefusal = 'too-large' | 'malformed' | 'wrong-type' | 'unsupported-alg' | 'bad-signature';

export interface Opened {
  signer: Uint8Array;
  payload: unknown;
}

/**
 * Decode, check the type and profile, verify the signature with the key named in `kid`, then
 * decode the payload. Whether that signer is trusted is the caller's question. Never throws.
 * `copy` false (decodeSign1): the signer and the payload's byte strings are views into `bytes`,
 * for a caller that uses them at once and keeps none of them.
 */
export function openSigned(
  bytes: Uint8Array,
  typ: Typ,
  verifier: Ed25519Verifier,
  limits: CborLimits = DEFAULT_LIMITS,
  copy = true,
): { ok: true; value: Opened } | { ok: false; reason: OpenRefusal } {
  const decoded = decodeSign1(bytes, limits, copy);
  if (!decoded.ok) return { ok: false, reason: decoded.reason === 'too-large' ? 'too-large' : 'malformed' };
  const message = decoded.value;
  if (message.protectedHeader.get(HEADER_TYP) !== typ) return { ok: false, reason: 'wrong-type' };
  const signer = signerOf(message, copy);
  if (!signer.ok) return { ok: false, reason: signer.reason === 'unsupported-alg' ? 'unsupported-alg' : 'malformed' };
  // The key as received, a view into the decoded bytes (off the V8 heap already: a native verifier
  // reads it in place, where a fresh 32-byte copy would first be moved); signer.value is the caller's.
  const kid = message.protectedHeader.get(HEADER_KID) as Uint8Array;
  if (verifier.verify(kid, sigStructureToVerify(message.protectedBytes, message.payload), message.signature)) {
    return { ok: false, reason: 'bad-signature' };
  }
  if (scanCbor(message.payload, limits, [])) return { ok: false, reason: 'malformed' };
  return { ok: true, value: { signer: signer.value, payload: decodeScanned(message.payload) } };
}

export type Signer = { publicKey: Uint8Array; sign: (message: Uint8Array) => Uint8Array };

export function signMessage(signer: Signer, typ: Typ, payload: Map<number, unknown>): Uint8Array {
  return encodeSign1(signer.publicKey, typ, encodeDeterministic(payload), signer.sign);
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

// ---- revocation list: {1: seq, 2: aud, 3: iat, 4: {0: ctis (16 B each), 1: holder keys (32 B), 2: issuer keys (32 B)}} ----

export interface RevocationList {
  seq: number;
  aud: string;
  iat: number;
  grants: Uint8Array;
  holders: Uint8Array;
  issuers: Uint8Array;
}

export const REVOCATION_LIMITS: CborLimits = { maxBytes: 48 * 1024 * 1024, maxDepth: 4, maxItems: 64 };

export function parseRevocations(payload: unknown): RevocationList | null {
  if (!(payload instanceof Map)) return null;
  const seq = payload.get(1);
  const aud = payload.get(2);
  const iat = payload.get(3);
  const entries = payload.get(4);
  if (!isUint(seq) || typeof aud !== 'string' || !isUint(iat) || !(entries instanceof Map)) return null;
  const part = (k: number, size: number) => {
    const v = entries.get(k) ?? new Uint8Array(0);
    return isBytes(v) && v.length % size === 0 ? v : null;
  };
  const grants = part(0, 16);
  const holders = part(1, 32);
  const issuers = part(2, 32);
  if (!grants || !holders || !issuers || [...entries.keys()].some((k) => k !== 0 && k !== 1 && k !== 2)) return null;
  return { seq, aud, iat, grants, holders, issuers };
}

export function encodeRevocations(list: RevocationList): Map<number, unknown> {
  return new Map<number, unknown>([
    [1, list.seq],
    [2, list.aud],
    [3, list.iat],
    [4, new Map<number, unknown>([[0, list.grants], [1, list.holders], [2, list.issuers]])],
  ]);
}

// ---- heartbeat: {1: time (NumericDate), 2: revocation seq, 3: aud} ----

export interface Heartbeat {
  time: number;
  seq: number;
  aud: string;
}

export function parseHeartbeat(payload: unknown): Heartbeat | null {
  if (!(payload instanceof Map) || payload.size !== 3) return null;
  const time = payload.get(1);
  const seq = payload.get(2);
  const aud = payload.get(3);
  if (!isUint(time) || !isUint(seq) || typeof aud !== 'string') return null;
  return { time, seq, aud };
}

// ---- holder proof: {1: aud, 2: challenge (32 B), 3: leaf cti} ----

export interface Proof {
  aud: string;
  challenge: Uint8Array;
  cti: Uint8Array;
}

export function parseProof(payload: unknown): Proof | null {
  if (!(payload instanceof Map) || payload.size !== 3) return null;
  const aud = payload.get(1);
  const challenge = payload.get(2);
  const cti = payload.get(3);
  if (typeof aud !== 'string' || !isBytes(challenge) || challenge.length !== 32 || !isBytes(cti) || cti.length !== 16) return null;
  return { aud, challenge, cti }; // views into the payload (openSigned's copy, or with `copy` false the caller's bytes)
}

// ---- remote command: {1: aud, 2: nonce (16 B), 3: iat, 4: exp, 5: action, 6?: mode} ----

export const ACTIONS = ['lock', 'unlock', 'set-mode', 'acknowledge-damage', 'reset-lockout'] as const;
export interface Command {
  aud: string;
  nonce: Uint8Array;
  iat: number;
  exp: number;
  action: (typeof ACTIONS)[number];
  mode: string | null;
}

export function parseCommand(payload: unknown): Command | null {
  if (!(payload instanceof Map)) return null;
  const aud = payload.get(1);
  const nonce = payload.get(2);
  const iat = payload.get(3);
  const exp = payload.get(4);
  const action = payload.get(5);
  const mode = payload.get(6) ?? null;
  if (typeof aud !== 'string' || !isBytes(nonce) || nonce.length !== 16 || !isUint(iat) || !isUint(exp) || exp <= iat) return null;
  if (!ACTIONS.includes(action as Command['action'])) return null;
  if ((action === 'set-mode') !== (typeof mode === 'string')) return null;
  return { aud, nonce: Uint8Array.from(nonce), iat, exp, action: action as Command['action'], mode: mode as string | null };
}

// ---- presentation: [1, [chain COSE_Sign1 bytes, root first], proof COSE_Sign1 bytes] ----

export interface Presentation {
  chain: Uint8Array[];
  proof: Uint8Array;
}

export const PRESENTATION_LIMITS: CborLimits = { maxBytes: 8192, maxDepth: 3, maxItems: 16 };
export const MAX_CHAIN = 3;

export type PresentationRefusal = 'too-large' | 'malformed' | 'chain-too-long';
const MALFORMED = Object.freeze({ ok: false, reason: 'malformed' } as const);

export function parsePresentation(bytes: Uint8Array): { ok: true; value: Presentation } | { ok: false; reason: PresentationRefusal } {
  const scan = scanCbor(bytes, PRESENTATION_LIMITS, []);
  if (scan === 'too-large') return { ok: false, reason: 'too-large' };
  if (scan) return { ok: false, reason: 'malformed' };
  // The shape [1, [bytes, ...], bytes], read from the heads of the scanned bytes: the decoder
  // would build the same views and more, on every decision.
  const malformed = MALFORMED;
  if (readHead(bytes, 0) !== 4 || headArg() !== 3) return malformed;
  if (readHead(bytes, headEnd()) !== 0 || headArg() !== 1) return malformed;
  if (readHead(bytes, headEnd()) !== 4) return malformed;
  const count = headArg();
  let at = headEnd();
  const chain = new Array<Uint8Array>(count); // its size known: no growing as it fills
  let allBytes = true;
  for (let i = 0; i < count; i++) {
    const major = readHead(bytes, at);
    if (major >= 4 && major <= 6) return malformed; // (nesting this deep is already refused by the limits)
    const end = major === 2 || major === 3 ? headEnd() + headArg() : headEnd();
    if (major === 2) chain[i] = bytes.subarray(headEnd(), end);
    else allBytes = false;
    at = end;
  }
  if (readHead(bytes, at) !== 2) return malformed;
  const proof = bytes.subarray(headEnd(), headEnd() + headArg());
  if (count === 0 || !allBytes) return malformed;
  if (count > MAX_CHAIN) return { ok: false, reason: 'chain-too-long' };
  // Views into `bytes`, not copies: a presentation is decided on at once, and what is kept
  // (the verified-link cache) copies what it keeps.
  return { ok: true, value: { chain, proof } };
}

export function encodePresentation(p: Presentation): Uint8Array {
  return encodeDeterministic([1, p.chain, p.proof]);
}

