// A text that begins with U+FEFF (a byte-order mark) is refused at the strict scan: decoders drop
// a leading BOM from some texts (cbor-x's TextDecoder, for 65 bytes and more), so a grant or
// heartbeat signed for "\uFEFF" + this lock's 64-character id would otherwise read as this lock's.
import { describe, expect, it } from 'vitest';
import { scanCbor } from '../../firmware/access/cbor.js';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { nodeVerifier } from '../../firmware/access/ed25519.js';
import { proofAudience, provenChallenge } from '../../firmware/access/proof.js';
import { pinDigest } from '../../firmware/keypad/codes.js';
import { MemoryStore } from '../../firmware/store/store.js';
import { mintGrant, mintHeartbeat, mintProof, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'l'.repeat(64); // the longest lock id the config allows
const BOM_LOCK = '\uFEFF' + LOCK; // its UTF-8 bytes: EF BB BF, then the id
const owner = testKey('owner');
const phone = testKey('phone-anna');
const cti = new Uint8Array(16).fill(1);
const challenge = new Uint8Array(32).fill(2);
const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('a text beginning with a byte-order mark', () => {
  it('is malformed at any length; a BOM inside a text is just a character', () => {
    const text = (utf8: number[]) => Uint8Array.from([0x60 + utf8.length, ...utf8]);
    expect(scanCbor(text([0xef, 0xbb, 0xbf]))).toBe('malformed');
    expect(scanCbor(text([0xef, 0xbb, 0xbf, 0x61]))).toBe('malformed');
    expect(scanCbor(text([0x61, 0xef, 0xbb, 0xbf]))).toBeNull();
    expect(scanCbor(text([0xef, 0xbb]))).toBe('malformed'); // not UTF-8 at all
  });

  it('a grant and a heartbeat for "\\uFEFF" + this lock id are refused, not taken for this lock', () => {
    const core = new AccessCore(
      { ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] },
      { clock: new ManualClock(NOW), random: { bytes: () => Uint8Array.from(challenge), float: () => 0.5 }, store: new MemoryStore() },
    );
    expect(core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: BOM_LOCK })).ok).toBe(false);
    const digest = pinDigest(new Uint8Array(32).fill(0x42), '482913');
    expect(core.storeGrant([mintGrant(owner, { aud: BOM_LOCK, cti, role: 'resident', credential: { kind: 'pin', digests: [digest] } })]).ok).toBe(false);
    // The same grant for this lock's own id is stored: the refusal is the BOM, nothing else.
    expect(core.storeGrant([mintGrant(owner, { aud: LOCK, cti, role: 'resident', credential: { kind: 'pin', digests: [digest] } })]).ok).toBe(true);
  });

  it('a holder proof for it gets no challenge, read in place or through the general path', () => {
    const proof = mintProof(phone, { aud: BOM_LOCK, challenge, cti });
    const verifier = nodeVerifier();
    expect(provenChallenge(proof, verifier, phone.publicKey, cti, proofAudience(LOCK))).toBeNull();
    expect(provenChallenge(proof, verifier, phone.publicKey, cti, { text: LOCK, utf8: null })).toBeNull(); // utf8 null: the general path
    expect(provenChallenge(mintProof(phone, { aud: LOCK, challenge, cti }), verifier, phone.publicKey, cti, { text: LOCK, utf8: null })).toEqual(challenge);
  });
});
