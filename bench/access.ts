// Access core figures: Ed25519 verifications per second per provider, decision latency with
// 100,000 revocations and 10,000 stored grants, and the memory of a 1,000,000-entry revocation set.
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { nodeVerifier, tweetnaclVerifier } from '../firmware/access/ed25519.js';
import { MemoryStore } from '../firmware/store/store.js';
import { seededRandom } from '../hal/node/random.js';
import type { RandomSource } from '../hal/ports/random.js';
import { mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../tools/lib/mint.js';
import { type Figure, percentile } from './figures.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');

function rate(fn: () => void, seconds: number): number {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
  }
  return n / seconds;
}

export function benchVerify(): Figure[] {
  const key = testKey('bench');
  const message = new Uint8Array(200).fill(7);
  const signature = key.sign(message);
  const node = nodeVerifier();
  const nacl = tweetnaclVerifier();
  if (node.verify(key.publicKey, message, signature) || nacl.verify(key.publicKey, message, signature)) throw new Error('bench signature invalid');
  const nodeRate = rate(() => node.verify(key.publicKey, message, signature), 2);
  const naclRate = rate(() => nacl.verify(key.publicKey, message, signature), 2);
  return [
    { name: 'Ed25519 verify, node:crypto (cached key, pre-checks)', value: nodeRate, unit: '/s', bar: '>= 12,000 /s', ok: nodeRate >= 12_000 },
    { name: 'Ed25519 verify, tweetnacl (pre-checks)', value: naclRate, unit: '/s' },
    { name: 'ratio node:crypto / tweetnacl', value: nodeRate / naclRate, unit: 'x', bar: '>= 100x', ok: nodeRate / naclRate >= 100 },
  ];
}

export function benchDecision(): Figure[] {
  const owner = testKey('owner');
  const carrier = testKey('carrier');
  const courier = testKey('courier');
  const random = seededRandom(5);
  const challenge = new Uint8Array(32);
  const source: RandomSource = { bytes: () => challenge, float: () => 0 };
  const clock = { now: () => NOW, after: () => ({ cancel() {} }), every: () => ({ cancel() {} }) };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random: source, store: new MemoryStore() });
  const revoked = Array.from({ length: 100_000 }, () => random.bytes(16));
  core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: revoked, holders: Array.from({ length: 1000 }, () => random.bytes(32)) }));
  core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 1, aud: LOCK }));
  for (let i = 0; i < 10_000; i++) {
    core.storeGrant([mintGrant(owner, { aud: LOCK, cti: random.bytes(16), role: 'guest', credential: { kind: 'pin', digests: [random.bytes(32)] } })]);
  }
  // The realistic worst case: a two-link delivery chain with a weekly window, three signatures.
  const deleg = mintGrant(owner, { aud: LOCK, cti: random.bytes(16), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: null, maxDepth: 0 }, exp: NOW / 1000 + 86_400 });
  const cti = random.bytes(16);
  const leaf = mintGrant(carrier, { aud: LOCK, cti, role: 'delivery', holderKey: courier.publicKey, exp: NOW / 1000 + 3600, schedule: [{ days: 1, start: 8 * 60, end: 18 * 60 }] });
  const presentation = present([deleg, leaf], courier, LOCK, challenge, cti);
  const times: number[] = [];
  for (let i = 0; i < 3000; i++) {
    core.issueChallenge();
    const t0 = performance.now();
    const decision = core.decide(presentation);
    times.push(performance.now() - t0);
    if (!decision.allow) throw new Error(`bench decision refused: ${decision.reason}`);
  }
  const sorted = times.slice(500).sort((a, b) => a - b);
  const p99 = percentile(sorted, 99);
  // Cold: a grant the lock has not seen, so every signature in the chain is verified.
  const cold: number[] = [];
  for (let i = 0; i < 300; i++) {
    const id = random.bytes(16);
    const fresh = mintGrant(carrier, { aud: LOCK, cti: id, role: 'delivery', holderKey: courier.publicKey, exp: NOW / 1000 + 3600 });
    const p = present([deleg, fresh], courier, LOCK, challenge, id);
    core.issueChallenge();
    const t0 = performance.now();
    if (!core.decide(p).allow) throw new Error('cold decision refused');
    cold.push(performance.now() - t0);
  }
  cold.sort((a, b) => a - b);
  return [
    { name: 'stored grants / revoked ids in the lock', value: core.grants.size, unit: `/ ${core.revocationSeq ? '101,000' : 0}` },
    { name: 'decision, known 2-link chain + proof, p50', value: percentile(sorted, 50), unit: 'ms' },
    { name: 'decision, known 2-link chain + proof, p99', value: p99, unit: 'ms', bar: '<= 0.3 ms', ok: p99 <= 0.3 },
    { name: 'decision, new leaf grant (2 verifies + proof), p50', value: percentile(cold, 50), unit: 'ms' },
    { name: 'decision, new leaf grant (2 verifies + proof), p99', value: percentile(cold, 99), unit: 'ms' },
  ];
}

export function benchRevocationMemory(): Figure[] {
  const owner = testKey('owner');
  const random = seededRandom(6);
  const ids = random.bytes(16 * 1_000_000);
  const list = mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: [ids] });
  globalThis.gc?.();
  const before = process.memoryUsage();
  const clock = { now: () => NOW, after: () => ({ cancel() {} }), every: () => ({ cancel() {} }) };
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random, store: new MemoryStore() });
  const t0 = performance.now();
  const result = core.applyRevocations(list, false);
  const loadMs = performance.now() - t0;
  if (!result.ok) throw new Error(result.reason);
  globalThis.gc?.();
  const after = process.memoryUsage();
  const grown = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
  const probe = random.bytes(16);
  const lookups = rate(() => core.decide(probe), 0.5);
  return [
    { name: 'revocation list of 1,000,000 ids, signed size', value: list.length / 2 ** 20, unit: 'MiB' },
    { name: 'revocation list of 1,000,000 ids, verify + load', value: loadMs, unit: 'ms' },
    { name: 'memory of the 1,000,000-entry revocation set', value: grown, unit: 'MiB', bar: '<= 64 MB', ok: grown <= 64, note: globalThis.gc ? '' : '(run with --expose-gc for an exact figure)' },
    { name: 'malformed-input refusals per second (a flood)', value: lookups, unit: '/s' },
  ];
}
