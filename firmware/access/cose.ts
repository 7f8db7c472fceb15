// COSE_Sign1 (RFC 9052 §4.2) with EdDSA (alg -8) only: decoding under bounds, the Sig_structure
// that is signed, and encoding for the tools that mint messages.
import { Tag } from 'cbor-x';
import { asciiAt, type CborLimits, DEFAULT_LIMITS, decodeScanned, encodeDeterministic, headArg, headEnd, readHead, sameAscii, scanCbor } from './cbor.js';

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
  /** Empty in our profile (then one shared, read-only map). */
  unprotectedHeader: ReadonlyMap<unknown, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
}

export type CoseRefusal = 'too-large' | 'malformed' | 'not-sign1' | 'unsupported-alg' | 'no-kid';

export type Decoded<T, R> = { ok: true; value: T } | { ok: false; reason: R };

/**
 * Decode a tagged COSE_Sign1. Structure only: no policy, no signature check. Never throws. The
 * message is copied once; the byte strings returned are views into that copy (nothing the caller
 * does to `bytes` afterwards reaches them). With `copy` false they are views into `bytes` itself:
 * for a caller that reads the message at once and keeps nothing of it (the holder proof of a
 * decision), so that nothing is copied on every decision.
 */
export function decodeSign1(bytes: Uint8Array, limits: CborLimits = DEFAULT_LIMITS, copy = true): Decoded<Sign1, CoseRefusal> {
  // A tag other than 18 up front (COSE_Sign is 98, COSE_Mac0 17...) is another COSE message.
  if (bytes.length > 0 && bytes[0]! >> 5 === 6 && bytes[0] !== 0xc0 + TAG_COSE_SIGN1) return { ok: false, reason: 'not-sign1' };
  const scan = scanCbor(bytes, limits);
  if (scan === 'too-large') return { ok: false, reason: 'too-large' };
  if (scan) return { ok: false, reason: 'malformed' };
  const own = copy ? privateCopy(bytes) : bytes;
  let protectedBytes: Uint8Array;
  let unprotectedHeader: ReadonlyMap<unknown, unknown>;
  let payload: Uint8Array;
  let signature: Uint8Array;
  if (readParts(own)) {
    protectedBytes = own.subarray(partAt[0], partAt[1]);
    unprotectedHeader = NO_HEADERS;
    payload = own.subarray(partAt[2], partAt[3]);
    signature = own.subarray(partAt[4], partAt[5]);
  } else {
    const parts = decodeParts(own);
    if (typeof parts === 'string') return { ok: false, reason: parts };
    [protectedBytes, unprotectedHeader, payload, signature] = parts;
  }
  // Our profile's header is read in place; any other goes through the scan and the decoder.
  let protectedHeader: unknown = ourHeader(protectedBytes);
  if (protectedHeader === null) {
    protectedHeader = new Map();
    if (protectedBytes.length > 0) {
      if (scanCbor(protectedBytes, limits, [])) return { ok: false, reason: 'malformed' };
      protectedHeader = decodeScanned(protectedBytes);
      if (!(protectedHeader instanceof Map)) return { ok: false, reason: 'malformed' };
    }
  }
  return { ok: true, value: { protectedBytes, protectedHeader: protectedHeader as Map<unknown, unknown>, unprotectedHeader, payload, signature } };
}

/**
 * A copy of `bytes` as a plain Uint8Array: a small message goes into Node's buffer pool rather
 * than an ArrayBuffer of its own (allocating one costs more than decoding the message).
 */
function privateCopy(bytes: Uint8Array): Uint8Array {
  const pooled = Buffer.allocUnsafe(bytes.length);
  pooled.set(bytes);
  return new Uint8Array(pooled.buffer, pooled.byteOffset, bytes.length);
}

type Parts = [protectedBytes: Uint8Array, unprotectedHeader: ReadonlyMap<unknown, unknown>, payload: Uint8Array, signature: Uint8Array];

/** The empty unprotected header every message of ours has, shared (read-only). */
const NO_HEADERS: ReadonlyMap<unknown, unknown> = new Map();

/** Where `readParts` found the parts last: [start, end) of the protected header, the payload, the signature. */
const partAt = [0, 0, 0, 0, 0, 0];

/**
 * The offsets of the parts of scanned bytes in our messages' shape 18([bytes, {}, bytes, bytes]):
 * [start, end) of the protected header, the payload and the signature, in one shared array valid
 * until the next call; null for any other shape.
 */
export function sign1PartsAt(scanned: Uint8Array): readonly number[] | null {
  return readParts(scanned) ? partAt : null;
}

/**
 * Is `own` (scanned bytes) in the shape every message of ours has, 18([bytes, {}, bytes, bytes])?
 * Read from the heads without a decoder, the parts' offsets left in `partAt`; false for any other
 * shape (decodeParts then judges it).
 */
function readParts(own: Uint8Array): boolean {
  if (readHead(own, 0) !== 6 || readHead(own, headEnd()) !== 4 || headArg() !== 4) return false;
  const afterProtected = bytesAt(own, headEnd(), 0);
  if (afterProtected < 0 || readHead(own, afterProtected) !== 5 || headArg() !== 0) return false;
  const afterPayload = bytesAt(own, headEnd(), 2);
  return afterPayload >= 0 && bytesAt(own, afterPayload, 4) >= 0;
}

/** The byte string at `at`: its content's offsets into partAt[slot], partAt[slot + 1]; returns its end, or -1 if it is not one. */
function bytesAt(own: Uint8Array, at: number, slot: number): number {
  if (readHead(own, at) !== 2) return -1;
  partAt[slot] = headEnd();
  return (partAt[slot + 1] = headEnd() + headArg());
}

/** The four parts through the decoder (a non-empty unprotected header), or why it is not a COSE_Sign1. */
function decodeParts(own: Uint8Array): Parts | 'malformed' | 'not-sign1' {
  let item: unknown;
  try {
    item = decodeScanned(own);
  } catch {
    return 'malformed';
  }
  if (!(item instanceof Tag) || item.tag !== TAG_COSE_SIGN1) return 'not-sign1';
  const parts = item.value as unknown;
  if (!Array.isArray(parts) || parts.length !== 4) return 'not-sign1';
  const [protectedBytes, unprotectedHeader, payload, signature] = parts as unknown[];
  if (!isBytes(protectedBytes) || !(unprotectedHeader instanceof Map) || !isBytes(payload) || !isBytes(signature)) return 'not-sign1';
  return [protectedBytes, unprotectedHeader, payload, signature];
}

/**
 * Our profile: alg EdDSA and a 32-byte kid (the signer's public key), both protected. The protected
 * header holds exactly alg, kid and typ, deterministically encoded (so no `crit`, no parameter we
 * would ignore); the unprotected header is empty. The key is a copy, or with `copy` false the kid
 * itself (a view into the message, for a caller that keeps nothing of it).
 */
export function signerOf(message: Sign1, copy = true): Decoded<Uint8Array, 'unsupported-alg' | 'no-kid' | 'bad-header'> {
  if (message.protectedHeader.get(HEADER_ALG) !== ALG_EDDSA) return { ok: false, reason: 'unsupported-alg' };
  const kid = message.protectedHeader.get(HEADER_KID);
  if (!isBytes(kid) || kid.length !== 32) return { ok: false, reason: 'no-kid' };
  if (!strictHeaders(message, kid)) return { ok: false, reason: 'bad-header' };
  return { ok: true, value: copy ? new Uint8Array(kid) : kid };
}

/** The fixed start of our protected header: a map of 3; 1 (alg): -8 (EdDSA); 4 (kid): a 32-byte string. */
const OUR_HEAD = [0xa3, 0x01, 0x27, 0x04, 0x58, 0x20] as const;
/** Offset of the kid's bytes in our protected header. */
export const KID_AT = OUR_HEAD.length;
/** Offset of the typ label (16) after the head and the kid, and of typ's text head after it. */
const TYP_LABEL_AT = OUR_HEAD.length + 32;
/** Offset of the typ text in our protected header. */
export const TYP_AT = TYP_LABEL_AT + 2;

/**
 * The length of the ASCII typ text when `bytes[start, end)` is exactly our profile's protected
 * header in its deterministic encoding ({1: -8, 4: kid, 16: typ}, typ a short ASCII text), else
 * -1. Read in place, without a decoder: every verification meets this header.
 */
export function ourHeaderTypLength(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (end - start < TYP_LABEL_AT + 2) return -1;
  for (let i = 0; i < OUR_HEAD.length; i++) if (bytes[start + i] !== OUR_HEAD[i]) return -1;
  const head = bytes[start + TYP_LABEL_AT + 1]!;
  const n = head & 0x1f;
  if (bytes[start + TYP_LABEL_AT] !== HEADER_TYP || head >> 5 !== 3 || n >= 24 || end - start !== TYP_LABEL_AT + 2 + n) return -1;
  for (let i = start + TYP_LABEL_AT + 2; i < end; i++) if (bytes[i]! >= 0x80) return -1;
  return n;
}

/**
 * Our profile's protected header decoded in place (the Map the generic decoder gives for these
 * bytes: alg, kid as a view into `bytes`, typ), or null for any other header, which then goes
 * through the generic scan and decoder.
 */
function ourHeader(bytes: Uint8Array): Map<unknown, unknown> | null {
  const n = ourHeaderTypLength(bytes);
  if (n < 0) return null;
  // ASCII (ourHeaderTypLength checked it): the same type is the same string each time, no text built.
  const typ = asciiAt(bytes, TYP_LABEL_AT + 2, n)!;
  return new Map<unknown, unknown>().set(HEADER_ALG, ALG_EDDSA).set(HEADER_KID, bytes.subarray(OUR_HEAD.length, TYP_LABEL_AT)).set(HEADER_TYP, typ);
}


/**
 * Exactly {1: -8, 4: kid, 16: typ} in its deterministic encoding, byte for byte (so no duplicate,
 * no `crit`, no other label, no other order or length form), and an empty unprotected header.
 * Compared in place: it runs on every verification.
 */
function strictHeaders(message: Sign1, kid: Uint8Array): boolean {
  const typ = message.protectedHeader.get(HEADER_TYP);
  if (message.unprotectedHeader.size !== 0 || message.protectedHeader.size !== 3 || typeof typ !== 'string') return false;
  const bytes = message.protectedBytes;
  const n = ourHeaderTypLength(bytes);
  if (n < 0) {
    // Not the short ASCII form the fast check reads: build the expected bytes (a non-ASCII typ).
    const text = new TextEncoder().encode(typ);
    if (text.length >= 24) return false; // our types are short: a longer one is not ours
    const expected = Uint8Array.from([...OUR_HEAD, ...kid, HEADER_TYP, 0x60 | text.length, ...text]);
    return Buffer.compare(expected, bytes) === 0;
  }
  if (typ.length !== n) return false;
  for (let i = 0; i < 32; i++) if (bytes[OUR_HEAD.length + i] !== kid[i]) return false;
  return sameAscii(typ, bytes, TYP_LABEL_AT + 2);
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

/** Reused by `sigStructureToVerify`: a verification reads the Sig_structure at once and lets it go. */
let scratch = new Uint8Array(1024);
let scratchView = scratch.subarray(0, 0);
/** The largest Sig_structure written into `scratch` (a revocation list's is allocated for itself). */
const SCRATCH_MAX = 16 * 1024;

/**
 * `sigStructure` for a verification made at once: for messages of a few KiB the bytes are written
 * into one reused buffer, so the decision path allocates nothing for them. The view is valid only
 * until the next call: pass it to the verifier and drop it.
 */
export function sigStructureToVerify(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const length = SIG1_PREFIX.length + headLength(protectedBytes.length) + protectedBytes.length + 1 + headLength(payload.length) + payload.length;
  if (length > SCRATCH_MAX) return sigStructure(protectedBytes, payload);
  if (length > scratch.length) scratch = new Uint8Array(SCRATCH_MAX);
  scratch.set(SIG1_PREFIX, 0);
  let at = putBytes(scratch, SIG1_PREFIX.length, protectedBytes);
  at = putBytes(scratch, at, EMPTY);
  putBytes(scratch, at, payload);
  // The same messages come again and again (holder proofs): the view of the last length is reused.
  if (scratchView.buffer !== scratch.buffer || scratchView.length !== length) scratchView = scratch.subarray(0, length);
  return scratchView;
}

/**
 * `sigStructureToVerify` of the protected header at bytes[p0, p1) and the payload at bytes[q0, q1)
 * (the parts of one message, read in place). Same bytes, same reuse rule.
 */
export function sigStructureToVerifyAt(bytes: Uint8Array, p0: number, p1: number, q0: number, q1: number): Uint8Array {
  const length = SIG1_PREFIX.length + headLength(p1 - p0) + (p1 - p0) + 1 + headLength(q1 - q0) + (q1 - q0);
  if (length > SCRATCH_MAX) return sigStructure(bytes.subarray(p0, p1), bytes.subarray(q0, q1));
  if (length > scratch.length) scratch = new Uint8Array(SCRATCH_MAX);
  scratch.set(SIG1_PREFIX, 0);
  let at = putHead(scratch, SIG1_PREFIX.length, p1 - p0);
  for (let i = p0; i < p1; i++) scratch[at++] = bytes[i]!;
  at = putHead(scratch, at, 0);
  at = putHead(scratch, at, q1 - q0);
  for (let i = q0; i < q1; i++) scratch[at++] = bytes[i]!;
  if (scratchView.buffer !== scratch.buffer || scratchView.length !== length) scratchView = scratch.subarray(0, length);
  return scratchView;
}

/** Length of the shortest CBOR head of a byte string of `n` bytes. */
function headLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Write a byte string (shortest head, then the bytes) at `at`; returns the offset after it. */
function putBytes(out: Uint8Array, at: number, bytes: Uint8Array): number {
  at = putHead(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/** Write the shortest head of a byte string of `n` bytes at `at`; returns the offset after it. */
function putHead(out: Uint8Array, at: number, n: number): number {
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
  return at;
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
