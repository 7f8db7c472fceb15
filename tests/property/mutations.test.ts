// Property tests: 105,000 mutated presentations (single grants and delegation chains) and
// revocation lists per run. None may be accepted unless it still carries the very same signed
// parts, and nothing may throw: the core's catch-all fault counter stays at zero. Decisions defer
// their uses (as the door does), so no use limit is ever spent and a wrong accept would show; each
// run counts its outcomes, and a control run with a verifier that accepts everything proves the
// property catches wrong accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanCbor } from '../../firmware/access/cbor.js';
import { AccessCore, DEFAULT_ACCESS } from '../../firmware/access/core.js';
import { decodeSign1 } from '../../firmware/access/cose.js';
import { parsePresentation } from '../../firmware/access/messages.js';
import { MemoryStore } from '../../firmware/store/store.js';
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../../tools/lib/mint.js';
import { ManualClock } from '../helpers/manual-clock.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const owner = testKey('owner');
const phone = testKey('phone-anna');
const carrier = testKey('carrier-dispatch');
const challenge = new Uint8Array(32).fill(0xcc);

function makeCore() {
  const clock: Clock = new ManualClock(NOW);
  const random: RandomSource = { bytes: () => Uint8Array.from(challenge), float: () => 0.5 };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random, store: new MemoryStore() });
  core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK }));
  return core;
}

/** Mutations: bit flips, byte overwrites, insertions, deletions, truncation, or several at once. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip') out[at]! ^= 1 << m.bit;
    else if (m.kind === 'set') out[at] = m.byte;
    else if (m.kind === 'insert') out = Uint8Array.from([...out.subarray(0, at), ...m.bytes, ...out.subarray(at)]);
    else if (m.kind === 'delete') out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + m.length)]);
    else out = out.subarray(0, at);
  }
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
/** Still the same presentation in substance: same chain elements and proof, byte for byte. */
function sameParts(mutated: Uint8Array, original: Uint8Array): boolean {
  const m = parsePresentation(mutated);
  const o = parsePresentation(original);
  if (!m.ok || !o.ok) return false;
  return m.value.chain.length === o.value.chain.length && m.value.chain.every((c, i) => same(c, o.value.chain[i]!)) && same(m.value.proof, o.value.proof);
}

/** Run the property; returns how many mutants got each outcome ('ok' = accepted). */
function presentationProperty(original: Uint8Array, runs: number, seed: number, core = makeCore()): Map<string, number> {
  core.issueChallenge();
  expect(core.decide(original, { deferUses: true }).allow, 'the unmutated presentation is allowed').toBe(true);
  const outcomes = new Map<string, number>();
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
      const mutated = apply(original, mutations);
      core.issueChallenge(); // the challenge the proof was made for is open again
      const decision = core.decide(mutated, { deferUses: true });
      outcomes.set(decision.reason, (outcomes.get(decision.reason) ?? 0) + 1);
      // The decoders themselves must not throw either, called bare.
      scanCbor(mutated);
      decodeSign1(mutated);
      return !decision.allow || sameParts(mutated, original);
    }),
    { numRuns: runs, seed },
  );
  expect(core.faults).toBe(0);
  return outcomes;
}

/** What a run must look like: the use limit never decides, and the signature check does most of the work. */
function expectOutcomes(outcomes: Map<string, number>, runs: number) {
  expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(runs);
  expect(outcomes.get('uses-exhausted') ?? 0).toBe(0);
  // Seeds 1 and 2 give malformed ~34,000, bad-signature ~3,500-4,300, bad-proof ~1,400-2,300, accepted 4-11.
  expect(outcomes.get('bad-signature') ?? 0).toBeGreaterThan(runs / 20);
  expect(outcomes.get('malformed') ?? 0).toBeGreaterThan(runs / 2);
  // Accepted mutants exist only as unsigned re-encodings of the same parts (the property checked each).
  expect(outcomes.get('ok') ?? 0).toBeLessThan(runs / 100);
}

describe('mutated input is never accepted and never throws', () => {
  it('40,000 mutated single-grant presentations', () => {
    const cti = new Uint8Array(16).fill(1);
    const grant = mintGrant(owner, { aud: LOCK, cti, role: 'resident', holderKey: phone.publicKey, exp: NOW / 1000 + 3600 });
    expectOutcomes(presentationProperty(present([grant], phone, LOCK, challenge, cti), 40_000, 1), 40_000);
  }, 120_000);

  it('40,000 mutated delegation chains', () => {
    const deleg = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(2), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 }, exp: NOW / 1000 + 86_400 });
    const cti = new Uint8Array(16).fill(3);
    const leaf = mintGrant(carrier, { aud: LOCK, cti, role: 'delivery', holderKey: phone.publicKey, maxUses: 1, exp: NOW / 1000 + 3600 });
    // maxUses 1, but uses are deferred: the unmutated check spends nothing, so a mutant that
    // wrongly passed every other check would be accepted, and the property would fail.
    expectOutcomes(presentationProperty(present([deleg, leaf], phone, LOCK, challenge, cti), 40_000, 2), 40_000);
  }, 120_000);

  it('control: with a verifier that accepts any signature the property finds a wrong accept', () => {
    const deleg = mintGrant(owner, { aud: LOCK, cti: new Uint8Array(16).fill(4), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: 1, maxDepth: 0 }, exp: NOW / 1000 + 86_400 });
    const cti = new Uint8Array(16).fill(5);
    const leaf = mintGrant(carrier, { aud: LOCK, cti, role: 'delivery', holderKey: phone.publicKey, maxUses: 1, exp: NOW / 1000 + 3600 });
    const broken = makeCore();
    (broken as unknown as { verifier: { verify: () => null } }).verifier = { verify: () => null };
    expect(() => presentationProperty(present([deleg, leaf], phone, LOCK, challenge, cti), 2_000, 2, broken)).toThrow(/Property failed/);
  }, 120_000);

  it('25,000 mutated revocation lists', () => {
    const core = makeCore();
    const ids = Array.from({ length: 20 }, (_, i) => new Uint8Array(16).fill(i + 10));
    const list = mintRevocations(owner, { seq: 7, aud: LOCK, iat: NOW / 1000, grants: ids, holders: [phone.publicKey], issuers: [carrier.publicKey] });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const mutated = apply(list, mutations);
        const result = core.applyRevocations(mutated, false);
        if (!result.ok) return true;
        // Accepted: only if the signed parts are the original's (an unsigned re-encoding is harmless).
        const m = decodeSign1(mutated);
        const o = decodeSign1(list);
        return m.ok && o.ok && same(m.value.protectedBytes, o.value.protectedBytes) && same(m.value.payload, o.value.payload) && same(m.value.signature, o.value.signature);
      }),
      { numRuns: 25_000, seed: 3 },
    );
    expect(core.revocationSeq === 0 || core.revocationSeq === 7).toBe(true);
  }, 120_000);
});
