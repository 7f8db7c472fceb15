// COSE_Sign1 (RFC 9052 §4.2) with EdDSA (alg -8) only: decoding under bounds, the Sig_structure
// that is signed, and encoding for the tools that mint messages.
import { Tag } from 'cbor-x';
import { type CborLimits, DEFAULT_LIMITS, decodeScanned, encodeDeterministic, scanCbor } from './cbor.js';

export const ALG_EDDSA = -8;
export const HEADER_ALG = 1;
export const HEADER_KID = 4;
/** COSE "typ" header parameter (RFC 9596): which of our messages this is. */
export const HEADER_TYP = 16;
export const TAG_COSE_SIGN1 = 18;

export interface Sign1 {
  /** The protected header exactly as received: the bytes that were signed. */
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
}

export type CoseRefusal = 'too-large' | 'malformed' | 'not-sign1' | 'unsupported-alg' | 'no-kid';

export type Decoded<T, R> = { ok: true; value: T } | { ok: false; reason: R };

/** Decode a tagged COSE_Sign1. Structure only: no policy, no signature check. Never throws. */
export function decodeSign1(bytes: Uint8Array, limits: CborLimits = DEFAULT_LIMITS): Decoded<Sign1, CoseRefusal> {
  // A tag other than 18 up front (COSE_Sign is 98, COSE_Mac0 17...) is another COSE message.
  if (bytes.length > 0 && bytes[0]! >> 5 === 6 && bytes[0] !== 0xc0 + TAG_COSE_SIGN1) return { ok: false, reason: 'not-sign1' };
  const scan = scanCbor(bytes, limits);
  if (scan === 'too-large') return { ok: false, reason: 'too-large' };
  if (scan) return { ok: false, reason: 'malformed' };
  let item: unknown;
  try {
    item = decodeScanned(bytes);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!(item instanceof Tag) || item.tag !== TAG_COSE_SIGN1) return { ok: false, reason: 'not-sign1' };
  const parts = item.value as unknown;
  if (!Array.isArray(parts) || parts.length !== 4) return { ok: false, reason: 'not-sign1' };
  const [protectedBytes, unprotectedHeader, payload, signature] = parts as unknown[];
  if (!isBytes(protectedBytes) || !(unprotectedHeader instanceof Map) || !isBytes(payload) || !isBytes(signature)) {
    return { ok: false, reason: 'not-sign1' };
  }
  let protectedHeader: unknown = new Map();
  if (protectedBytes.length > 0) {
    if (scanCbor(protectedBytes, limits, [])) return { ok: false, reason: 'malformed' };
    protectedHeader = decodeScanned(protectedBytes);
    if (!(protectedHeader instanceof Map)) return { ok: false, reason: 'malformed' };
  }
  return {
    ok: true,
    value: {
      protectedBytes: new Uint8Array(protectedBytes),
      protectedHeader: protectedHeader as Map<unknown, unknown>,
      unprotectedHeader,
      payload: new Uint8Array(payload),
      signature: new Uint8Array(signature),
    },
  };
}

/**
 * Our profile: alg EdDSA and a 32-byte kid (the signer's public key), both protected. The protected
 * header holds exactly alg, kid and typ, deterministically encoded (so no `crit`, no parameter we
 * would ignore); the unprotected header is empty.
 */
export function signerOf(message: Sign1): Decoded<Uint8Array, 'unsupported-alg' | 'no-kid' | 'bad-header'> {
  if (message.protectedHeader.get(HEADER_ALG) !== ALG_EDDSA) return { ok: false, reason: 'unsupported-alg' };
  const kid = message.protectedHeader.get(HEADER_KID);
  if (!isBytes(kid) || kid.length !== 32) return { ok: false, reason: 'no-kid' };
  if (!strictHeaders(message, kid)) return { ok: false, reason: 'bad-header' };
  return { ok: true, value: new Uint8Array(kid) };
}

/**
 * Exactly {1: -8, 4: kid, 16: typ} in its deterministic encoding, byte for byte (so no duplicate,
 * no `crit`, no other label, no other order or length form), and an empty unprotected header.
 * Built by concatenation: it runs on every verification.
 */
function strictHeaders(message: Sign1, kid: Uint8Array): boolean {
  const typ = message.protectedHeader.get(HEADER_TYP);
  if (message.unprotectedHeader.size !== 0 || message.protectedHeader.size !== 3 || typeof typ !== 'string') return false;
  const text = new TextEncoder().encode(typ);
  if (text.length >= 24) return false; // our types are short: a longer one is not ours
  const expected = Uint8Array.from([0xa3, 0x01, 0x27, 0x04, 0x58, 0x20, ...kid, 0x10, 0x60 | text.length, ...text]);
  return Buffer.compare(expected, message.protectedBytes) === 0;
}

const EMPTY = new Uint8Array(0);
/** 0x84 (array of 4), then the text "Signature1". */
const SIG1_PREFIX = Uint8Array.from([0x84, 0x6a, ...new TextEncoder().encode('Signature1')]);

/**
 * Sig_structure for COSE_Sign1 with empty external AAD: the bytes the signature covers. The same
 * bytes the deterministic encoder gives ['Signature1', protected, aad, payload], written by
 * concatenation into one buffer (it is built on every verification).
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(SIG1_PREFIX.length + headLength(protectedBytes.length) + protectedBytes.length + headLength(externalAad.length) + externalAad.length + headLength(payload.length) + payload.length);
  out.set(SIG1_PREFIX, 0);
  let at = putBytes(out, SIG1_PREFIX.length, protectedBytes);
  at = putBytes(out, at, externalAad);
  putBytes(out, at, payload);
  return out;
}

/** Length of the shortest CBOR head of a byte string of `n` bytes. */
function headLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Write a byte string (shortest head, then the bytes) at `at`; returns the offset after it. */
function putBytes(out: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 24) out[at++] = 0x40 | n;
  else if (n < 0x100) {
    out[at++] = 0x58;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = 0x59;
    out[at++] = n >>> 8;
    out[at++] = n & 0xff;
  } else {
    out[at++] = 0x5a;
    out[at++] = n >>> 24;
    out[at++] = (n >>> 16) & 0xff;
    out[at++] = (n >>> 8) & 0xff;
    out[at++] = n & 0xff;
  }
  out.set(bytes, at);
  return at + n;
}

/** Build a tagged COSE_Sign1 signed by `sign` (tools and tests; the lock only signs with its device key). */
export function encodeSign1(kid: Uint8Array, typ: string, payload: Uint8Array, sign: (toBeSigned: Uint8Array) => Uint8Array): Uint8Array {
  const protectedBytes = encodeDeterministic(
    new Map<number, unknown>([
      [HEADER_ALG, ALG_EDDSA],
      [HEADER_KID, kid],
      [HEADER_TYP, typ],
    ]),
  );
  const signature = sign(sigStructure(protectedBytes, payload));
  return encodeDeterministic(new Tag([protectedBytes, new Map(), payload, signature], TAG_COSE_SIGN1));
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}
