// The decision path reads our fixed shapes (the presentation, the COSE_Sign1 parts, our protected
// header) from their CBOR heads instead of through the general decoder. These properties hold the
// fast readers to the general decoder's answer, byte for byte, on valid and mutated messages.
import fc from 'fast-check';
import { Decoder, Tag } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { decodeScanned, encodeDeterministic, scanCbor } from '../../firmware/access/cbor.js';
import { decodeSign1, signerOf } from '../../firmware/access/cose.js';
import { MAX_CHAIN, PRESENTATION_LIMITS, parsePresentation } from '../../firmware/access/messages.js';
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
