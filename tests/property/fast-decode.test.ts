// The decision path reads our fixed shapes (the presentation, the COSE_Sign1 parts, our protected
// header) from their CBOR heads instead of through the general decoder. These properties hold the
// fast readers to the general decoder's answer, byte for byte, on valid and mutated messages.
import fc from 'fast-check';
import { Decoder, Encoder, Tag } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { decodeScanned, encodeDeterministic, scanCbor } from '../../firmware/access/cbor.js';
import { decodeSign1, encodeSign1, signerOf } from '../../firmware/access/cose.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { MAX_CHAIN, openSigned, PRESENTATION_LIMITS, parsePresentation, parseProof, TYP } from '../../firmware/access/messages.js';
import { proofAudience, provenChallenge } from '../../firmware/access/proof.js';
import { mintGrant, mintProof, present, testKey } from '../../tools/lib/mint.js';

const owner = testKey('owner');
const phone = testKey('phone-anna');
const LOCK = 'front-door';
const grant = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(1), role: 'guest', holderKey: phone.publicKey });
const proof = mintProof(phone, { aud: LOCK, challenge: new Uint8Array(32).fill(2), cti: new Uint8Array(16).fill(1) });
/** The proof again with a non-empty unprotected header: an integer key, or a byte-string key (read as parts, it would shift them). */
const withUnprotected = (key: number | Uint8Array) => {
  const parts = (decodeScanned(proof) as Tag).value as unknown[];
  return encodeDeterministic(new Tag([parts[0], new Map<unknown, unknown>([[key, new Uint8Array(2)]]), parts[2], parts[3]], 18));
};
const unprotectedInt = withUnprotected(4);
const unprotectedBytes = withUnprotected(new Uint8Array(3));
const presentation = present([grant], phone, LOCK, new Uint8Array(32).fill(2), new Uint8Array(16).fill(1));

/** The general decoder's reading of a COSE_Sign1 (the code before the fast readers). */
function referenceSign1(bytes: Uint8Array) {
  if (bytes.length > 0 && bytes[0]! >> 5 === 6 && bytes[0] !== 0xd2) return { ok: false, reason: 'not-sign1' };
  const scan = scanCbor(bytes);
  if (scan) return { ok: false, reason: scan === 'too-large' ? 'too-large' : 'malformed' };
  const item = decodeScanned(bytes);
  if (!(item instanceof Tag) || item.tag !== 18 || !Array.isArray(item.value) || item.value.length !== 4) return { ok: false, reason: 'not-sign1' };
  const [p, u, payload, signature] = item.value as unknown[];
  const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
  if (!isBytes(p) || !(u instanceof Map) || !isBytes(payload) || !isBytes(signature)) return { ok: false, reason: 'not-sign1' };
  let header: unknown = new Map();
  if (p.length > 0) {
    if (scanCbor(p, undefined, [])) return { ok: false, reason: 'malformed' };
    header = decodeScanned(p);
    if (!(header instanceof Map)) return { ok: false, reason: 'malformed' };
  }
  return { ok: true, value: { protectedBytes: p, protectedHeader: header, unprotectedHeader: u, payload, signature } };
}

/** The general decoder's reading of a presentation. */
function referencePresentation(bytes: Uint8Array) {
  const scan = scanCbor(bytes, PRESENTATION_LIMITS, []);
  if (scan) return { ok: false, reason: scan === 'too-large' ? 'too-large' : 'malformed' };
  const item = decodeScanned(bytes);
  if (!Array.isArray(item) || item.length !== 3 || item[0] !== 1 || !Array.isArray(item[1]) || !(item[2] instanceof Uint8Array)) return { ok: false, reason: 'malformed' };
  const chain = item[1] as unknown[];
  if (chain.length === 0 || !chain.every((c) => c instanceof Uint8Array)) return { ok: false, reason: 'malformed' };
  if (chain.length > MAX_CHAIN) return { ok: false, reason: 'chain-too-long' };
  return { ok: true, value: { chain, proof: item[2] } };
}

/** Byte strings as their class and bytes (a Buffer would print differently), Maps as entry lists. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [value.constructor.name]: Array.from(value) };
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [plain(k), plain(v)]);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const mutated = (base: Uint8Array) =>
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 3 }).map((edits) => {
    let out = Uint8Array.from(base);
    for (const [at, byte, insert] of edits) {
      const i = at % (out.length + 1);
      out = insert ? Uint8Array.from([...out.subarray(0, i), byte, ...out.subarray(i)]) : Uint8Array.from(out.map((b, k) => (k === i ? byte : b)));
    }
    return out;
  });

describe('fast readers give what the general decoder gives', () => {
  it('COSE_Sign1: our messages, a non-empty unprotected header, and their mutations', () => {
    for (const message of [grant, proof, unprotectedInt, unprotectedBytes]) expect(plain(decodeSign1(message))).toEqual(plain(referenceSign1(message)));
    fc.assert(
      fc.property(fc.oneof(mutated(grant), mutated(proof), mutated(unprotectedInt), mutated(unprotectedBytes)), (bytes) => {
        const fast = decodeSign1(bytes);
        expect(plain(fast)).toEqual(plain(referenceSign1(bytes)));
        if (fast.ok) expect(plain(signerOf(fast.value))).toEqual(plain(referenceSigner(fast.value)));
      }),
      { numRuns: 3000 },
    );
  });

  it('presentations and their mutations', () => {
    expect(plain(parsePresentation(presentation))).toEqual(plain(referencePresentation(presentation)));
    fc.assert(
      fc.property(mutated(presentation), (bytes) => {
        expect(plain(parsePresentation(bytes))).toEqual(plain(referencePresentation(bytes)));
      }),
      { numRuns: 3000 },
    );
  });

  it('flat maps (a proof\'s payload and the like), valid and mutated, decode as the general decoder decodes them', () => {
    const general = new Decoder({ useRecords: false, mapsAsObjects: false });
    const scalar = fc.oneof(fc.integer({ min: -(2 ** 32), max: 2 ** 32 - 1 }), fc.uint8Array({ maxLength: 40 }), fc.string({ maxLength: 30 }), fc.boolean(), fc.constant(null));
    const key = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 8 }));
    const flat = fc.array(fc.tuple(key, scalar), { maxLength: 6 }).map((entries) => encodeDeterministic(new Map(entries)));
    const payload = (decodeSign1(proof) as { value: { payload: Uint8Array } }).value.payload;
    fc.assert(
      fc.property(fc.oneof(flat, mutated(payload), flat.chain((bytes) => mutated(bytes))), (bytes) => {
        if (scanCbor(bytes)) return;
        expect(plain(decodeScanned(bytes))).toEqual(plain(general.decode(bytes)));
      }),
      { numRuns: 5000 },
    );
  });

  it('COSE_Sign1 decoded without a copy reads the same as with one', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(grant), fc.constant(proof), mutated(grant), mutated(proof), mutated(unprotectedInt)), (bytes) => {
        const viewed = decodeSign1(bytes, undefined, false);
        expect(plain(viewed)).toEqual(plain(decodeSign1(bytes)));
        if (viewed.ok) expect(plain(signerOf(viewed.value, false))).toEqual(plain(signerOf(viewed.value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('a protected header with a non-ASCII typ still goes through the general path', () => {
    const header = encodeDeterministic(new Map<number, unknown>([[1, -8], [4, phone.publicKey], [16, 'lock-pröof']]));
    const message = encodeDeterministic(new Tag([header, new Map(), new Uint8Array(1), new Uint8Array(64)], 18));
    const decoded = decodeSign1(message);
    expect(plain(decoded)).toEqual(plain(referenceSign1(message)));
    expect(decoded.ok && signerOf(decoded.value).ok).toBe(true);
  });
});

/** The strict header rule as first written: build the expected bytes and compare. */
function referenceSigner(message: { protectedBytes: Uint8Array; protectedHeader: Map<unknown, unknown>; unprotectedHeader: ReadonlyMap<unknown, unknown> }) {
  if (message.protectedHeader.get(1) !== -8) return { ok: false, reason: 'unsupported-alg' };
  const kid = message.protectedHeader.get(4);
  if (!(kid instanceof Uint8Array) || kid.length !== 32) return { ok: false, reason: 'no-kid' };
  const typ = message.protectedHeader.get(16);
  if (message.unprotectedHeader.size !== 0 || message.protectedHeader.size !== 3 || typeof typ !== 'string') return { ok: false, reason: 'bad-header' };
  const text = new TextEncoder().encode(typ);
  if (text.length >= 24) return { ok: false, reason: 'bad-header' };
  const expected = Uint8Array.from([0xa3, 0x01, 0x27, 0x04, 0x58, 0x20, ...kid, 0x10, 0x60 | text.length, ...text]);
  return Buffer.compare(expected, message.protectedBytes) === 0 ? { ok: true, value: kid } : { ok: false, reason: 'bad-header' };
}

/** The holder-proof check as first written: openSigned, parseProof, then the decision's comparisons. */
function referenceProof(bytes: Uint8Array, holderKey: Uint8Array, cti: Uint8Array, lockId: string): Uint8Array | null {
  const opened = openSigned(bytes, TYP.proof, verifier);
  if (!opened.ok || Buffer.compare(opened.value.signer, holderKey) !== 0) return null;
  const claims = parseProof(opened.value.payload);
  if (!claims || claims.aud !== lockId || Buffer.compare(claims.cti, cti) !== 0) return null;
  return claims.challenge;
}

const verifier = nodeVerifier();
const proofCti = new Uint8Array(16).fill(1);
/** A payload signed by the phone in our profile, whatever its bytes: the signature holds, so the payload rules decide. */
const signedPayload = (payload: Uint8Array) => encodeSign1(phone.publicKey, TYP.proof, payload, phone.sign);

describe('the holder proof read in place answers as the general path does', () => {
  const check = (bytes: Uint8Array, lockId = LOCK, cti = proofCti, holder = phone.publicKey) => {
    const fast = provenChallenge(bytes, verifier, holder, cti, proofAudience(lockId));
    expect(plain(fast)).toEqual(plain(referenceProof(bytes, holder, cti, lockId)));
    return fast;
  };

  it('a good proof gives its challenge; another lock, leaf or holder gets null', () => {
    expect(check(proof)).toEqual(new Uint8Array(32).fill(2));
    expect(check(proof, 'back-door')).toBeNull();
    expect(check(proof, LOCK, new Uint8Array(16).fill(9))).toBeNull();
    expect(check(proof, LOCK, proofCti, owner.publicKey)).toBeNull();
    expect(check(proof, 'front-dööр')).toBeNull();
    expect(check(unprotectedInt)).toBeNull();
    expect(check(grant)).toBeNull();
  });

  it('refuses a proof signed by the holder under another kid, and negative keys in place of 1, 2, 3', () => {
    const payload = (entries: [number, unknown][]) => encodeDeterministic(new Map(entries));
    const good = payload([[1, LOCK], [2, new Uint8Array(32).fill(2)], [3, proofCti]]);
    expect(check(signedPayload(good))).toEqual(new Uint8Array(32).fill(2));
    // The phone's signature, the owner's key named as kid: the signer is not the holder.
    expect(check(encodeSign1(owner.publicKey, TYP.proof, good, phone.sign))).toBeNull();
    expect(check(encodeSign1(owner.publicKey, TYP.proof, good, phone.sign), LOCK, proofCti, owner.publicKey)).toBeNull();
    for (const [i, negative] of [[0, -2], [1, -3], [2, -4]] as const) {
      const entries: [number, unknown][] = [[1, LOCK], [2, new Uint8Array(32).fill(2)], [3, proofCti]];
      entries[i] = [negative, entries[i]![1]];
      expect(check(signedPayload(payload(entries))), `key ${negative}`).toBeNull();
    }
  });

  it('payloads of every shape, signed (key order, head lengths, extra or missing keys, other types)', () => {
    const value = fc.oneof(fc.constant(LOCK), fc.constant('front-doo'), fc.constant(new Uint8Array(32).fill(2)), fc.constant(proofCti), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -5, max: 500 }), fc.constant(null), fc.constant([LOCK]));
    const key = fc.oneof(fc.constantFrom(1, 2, 3), fc.integer({ min: -3, max: 6 }), fc.constant('1'));
    const entries = fc.oneof(
      fc.shuffledSubarray([[1, LOCK], [2, new Uint8Array(32).fill(2)], [3, proofCti]] as [number, unknown][], { minLength: 2, maxLength: 3 }),
      fc.array(fc.tuple(key, value), { maxLength: 4 }),
    );
    // cbor-x keeps insertion order (no sorting): any key order reaches the reader.
    const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false });
    const payload = fc.oneof(entries.map((e) => new Uint8Array(encoder.encode(new Map(e)))), mutated(new Uint8Array(encoder.encode(new Map<number, unknown>([[3, proofCti], [1, LOCK], [2, new Uint8Array(32).fill(2)]])))));
    fc.assert(fc.property(payload, (bytes) => void check(signedPayload(bytes))), { numRuns: 600 });
  });

  it('mutated proofs (bytes changed or inserted anywhere)', () => {
    fc.assert(fc.property(fc.oneof(mutated(proof), mutated(unprotectedInt)), (bytes) => void check(bytes)), { numRuns: 3000 });
  });
});
