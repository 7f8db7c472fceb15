// Every vector in ../shared/vectors through all three providers: libsodium, node:crypto and
// tweetnacl must give the same answer on every case, and that answer must be strict RFC 8032 plus
// our pre-checks.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSign1, sigStructure, signerOf } from '../../firmware/access/cose.js';
import { checkTrustedKey, type Ed25519Refusal, nodeVerifier, sodiumVerifier, tweetnaclVerifier } from '../../firmware/access/ed25519.js';
import { fromHex as hex } from '../../firmware/util/hex.js';
import { requireSharedVectors } from '../helpers/tools.js';

const VECTORS = resolve('..', 'shared', 'vectors');
/** Skip (outside CI) when ../shared is not beside the clone. */
const absent = requireSharedVectors(VECTORS);
/** A vector file; `empty` when the vectors are absent (the suites reading it at collection are skipped then). */
const read = (path: string, empty: unknown = null) => (absent ? empty : JSON.parse(readFileSync(resolve(VECTORS, path), 'utf8')));
// sodiumVerifier() throws if the binding cannot load: on the platforms CI runs (linux x64/arm64) it must.
const providers = [sodiumVerifier(), nodeVerifier(), tweetnaclVerifier()];

/** The providers' common answer; fails the test if any two differ. */
function verifyBoth(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): Ed25519Refusal | null {
  const [a, b, c] = providers.map((p) => p.verify(pk, msg, sig));
  expect(a, 'libsodium and node:crypto disagree').toBe(b);
  expect(c, 'tweetnacl and node:crypto disagree').toBe(b);
  return a!;
}

interface WycheproofTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid';
}

describe.skipIf(absent)('Wycheproof ed25519_test.json (151 cases)', () => {
  const file = read('wycheproof/ed25519_test.json', { testGroups: [] }) as { testGroups: { publicKey: { pk: string }; tests: WycheproofTest[] }[] };
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));
  it('has the cases SOURCES.md promises', () => {
    expect(cases).toHaveLength(151);
  });
  it.each(cases)('tc $tcId $comment -> $result', (t) => {
    const answer = verifyBoth(hex(t.pk), hex(t.msg), hex(t.sig));
    // Strict policy expectation: Wycheproof's own verdict (it marks nothing "acceptable").
    if (t.result === 'valid') expect(answer).toBeNull();
    else expect(answer).not.toBeNull();
  });
});

describe.skipIf(absent)('RFC 8032 section 7.1 (5 vectors)', () => {
  const file = read('rfc8032/rfc8032-7.1-ed25519.json', { vectors: [] }) as { vectors: { name: string; publicKey: string; message: string; signature: string }[] };
  it.each(file.vectors)('$name verifies', (v) => {
    expect(verifyBoth(hex(v.publicKey), hex(v.message), hex(v.signature))).toBeNull();
  });
});

describe.skipIf(absent)('speccheck (12 edge cases)', () => {
  const cases = read('speccheck/cases.json', []) as { message: string; pub_key: string; signature: string }[];
  // Strict cofactorless RFC 8032 accepts 0-3; small-order rejection of A and R leaves only 3.
  const expected: Record<number, Ed25519Refusal | null> = {
    0: 'small-order-key', // S = 0, small-order A and R
    1: 'small-order-key', // small A
    2: 'small-order-r', // small R
    3: null, // mixed-order A and R, cofactorless equation holds
    4: 'bad-signature', // passes only the cofactored equation
    5: 'bad-signature', // same, pre-reduced 8h
    6: 's-not-reduced', // S > L
    7: 's-not-reduced', // S >> L
    8: 'non-canonical-r',
    9: 'non-canonical-r',
    10: 'non-canonical-key',
    11: 'non-canonical-key',
  };
  it.each(cases.map((c, i) => ({ ...c, i })))('case $i', (c) => {
    expect(verifyBoth(hex(c.pub_key), hex(c.message), hex(c.signature))).toBe(expected[c.i]);
  });
  it('case 3 verifies, but its mixed-order key is refused as a trust anchor', () => {
    expect(checkTrustedKey(hex(cases[3]!.pub_key))).toBe('key-not-torsion-free');
  });
  it('an RFC 8032 key is accepted as a trust anchor', () => {
    expect(checkTrustedKey(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))).toBeNull();
  });
});

describe.skipIf(absent)('COSE examples (cose-wg/Examples)', () => {
  it('eddsa-sig-01 (Ed25519 COSE_Sign1): our Sig_structure matches, all providers verify, our profile refuses its unprotected kid', () => {
    const ex = read('cose-eddsa-examples/eddsa-sig-01.json');
    const decoded = decodeSign1(hex(ex.output.cbor));
    if (!decoded.ok) throw new Error(decoded.reason);
    const tbs = sigStructure(decoded.value.protectedBytes, decoded.value.payload);
    expect(Buffer.from(tbs).toString('hex')).toBe(ex.intermediates.ToBeSign_hex.toLowerCase());
    expect(verifyBoth(hex(ex.input.sign0.key.x_hex), tbs, decoded.value.signature)).toBeNull();
    expect(signerOf(decoded.value)).toEqual({ ok: false, reason: 'no-kid' });
  });

  it('eddsa-sig-02 (Ed448) decodes but no Ed25519 provider accepts a 114-byte signature', () => {
    const ex = read('cose-eddsa-examples/eddsa-sig-02.json');
    const decoded = decodeSign1(hex(ex.output.cbor));
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.value.signature).toHaveLength(114);
    expect(verifyBoth(new Uint8Array(32), decoded.value.payload, decoded.value.signature)).toBe('bad-signature-length');
  });

  it.each(['eddsa-01.json', 'eddsa-02.json'])('%s (COSE_Sign, several signers) is refused as not COSE_Sign1', (file) => {
    const ex = read(`cose-eddsa-examples/${file}`);
    expect(decodeSign1(hex(ex.output.cbor))).toEqual({ ok: false, reason: 'not-sign1' });
  });

  it('eddsa-01 signer signature verifies over its published ToBeSign with all providers', () => {
    const ex = read('cose-eddsa-examples/eddsa-01.json');
    const diag: string = ex.output.cbor_diag;
    const sig = /h'([0-9A-F]{128})'/.exec(diag)![1]!;
    expect(verifyBoth(hex(ex.input.sign.signers[0].key.x_hex), hex(ex.intermediates.signers[0].ToBeSign_hex), hex(sig))).toBeNull();
  });
});
