// Access core figures, every bar a ratio to peers measured in the same run: Ed25519 verification
// per CPU second (libsodium, node:crypto, tweetnacl; ours with pre-checks and raw), the decision
// against one raw verify of the same provider (per-sample CPU time, GC scavenges per 10k, again in
// a child with lockd's node flags: bench/decision-probe.ts), and
// the memory of a 1,000,000-entry revocation set.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { decodeSign1, sigStructure } from '../firmware/access/cose.js';
import { loadSodiumNative, nodeVerifier, precheck, sodiumVerifier, tweetnaclVerifier } from '../firmware/access/ed25519.js';
import { parsePresentation } from '../firmware/access/messages.js';
import { RevocationState } from '../firmware/access/revocations.js';
import { parseRevocations } from '../firmware/access/messages.js';
import { MemoryStore } from '../firmware/store/store.js';
import { seededRandom } from '../hal/node/random.js';
import type { RandomSource } from '../hal/ports/random.js';
import { type KeyPair, mintGrant, mintHeartbeat, mintRevocations, present, testKey } from '../tools/lib/mint.js';
import { atLeast, atMost, type Figure, percentile } from './figures.js';
import { countScavenges, interleavedRates, sampleLatencies, type Subject } from './measure.js';
import { shippedCommand } from './rss.js';
import { ManualClock } from '../tests/helpers/manual-clock.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T10:00:00Z');
const clock = new ManualClock(NOW);
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The same key signing through node:crypto (Ed25519 is deterministic: the same bytes as tweetnacl, 100x sooner). */
export function fastKey(label: string): KeyPair {
  const key = testKey(label);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, key.seed]), format: 'der', type: 'pkcs8' });
  return { ...key, sign: (message) => new Uint8Array(nodeSign(null, message, privateKey)) };
}

export function benchVerify(full: boolean): Figure[] {
  const key = fastKey('bench');
  const message = new Uint8Array(200).fill(7);
  const signature = key.sign(message);
  const sodium = loadSodiumNative();
  const nacl = createRequire(import.meta.url)('tweetnacl') as typeof import('tweetnacl');
  const keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKey).toString('base64url') }, format: 'jwk' });
  const ours = { sodium: sodiumVerifier(), node: nodeVerifier(), nacl: tweetnaclVerifier() };
  for (const v of Object.values(ours)) if (v.verify(key.publicKey, message, signature)) throw new Error('bench signature refused');
  const rates = interleavedRates(
    [
      { name: 'libsodium', batch: 200, run: () => ours.sodium.verify(key.publicKey, message, signature) },
      { name: 'libsodium raw', batch: 200, run: () => sodium.crypto_sign_verify_detached(signature, message, key.publicKey) },
      { name: 'node', batch: 150, run: () => ours.node.verify(key.publicKey, message, signature) },
      { name: 'node raw', batch: 150, run: () => nodeVerify(null, message, keyObject, signature) },
      { name: 'tweetnacl raw', batch: 4, run: () => nacl.sign.detached.verify(message, signature, key.publicKey) },
      { name: 'pre-checks', batch: 50_000, run: () => precheck(key.publicKey, signature) },
    ],
    full ? 60 : 12,
  );
  const r = (name: string) => rates.get(name)!;
  return [
    atLeast('Ed25519 verify, libsodium (ours: pre-checks + sodium-native)', r('libsodium'), '/s CPU', 12_000),
    { name: 'Ed25519 pre-checks alone (ours, the policy before any provider)', value: 1e9 / r('pre-checks'), unit: 'ns', note: `${((100 * r('libsodium raw')) / r('pre-checks')).toFixed(2)}% of one libsodium verify` },
    { name: 'Ed25519 verify, libsodium raw (sodium-native call only)', value: r('libsodium raw'), unit: '/s CPU' },
    { name: 'Ed25519 verify, node:crypto (ours: pre-checks, cached key)', value: r('node'), unit: '/s CPU' },
    { name: 'Ed25519 verify, node:crypto raw (KeyObject, verify())', value: r('node raw'), unit: '/s CPU' },
    { name: 'Ed25519 verify, tweetnacl raw', value: r('tweetnacl raw'), unit: '/s CPU' },
    atLeast('ratio libsodium (ours) / node:crypto raw', r('libsodium') / r('node raw'), 'x', 1.4),
    atLeast(
      'ratio libsodium (ours) / tweetnacl raw',
      r('libsodium') / r('tweetnacl raw'),
      'x',
      150,
      '150 x',
      `libsodium raw / tweetnacl raw ${(r('libsodium raw') / r('tweetnacl raw')).toFixed(1)}x (the ceiling); tweetnacl measured after 300 ms of JIT warm-up, as every peer`,
    ),
  ];
}

/** A lock holding 100,000 revoked ids, 1,000 revoked holders and 10,000 stored grants. */
export function loadedCore(provider: 'sodium' | 'node', owner: KeyPair, challenge: Uint8Array): AccessCore {
  const random = seededRandom(5);
  const source: RandomSource = { bytes: () => challenge, float: () => 0 };
  const core = new AccessCore({ ...DEFAULT_ACCESS, provider, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], maxRevocationEntries: 200_000 }, { clock, random: source, store: new MemoryStore() });
  const revoked = Array.from({ length: 100_000 }, () => random.bytes(16));
  const list = core.applyRevocations(mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: revoked, holders: Array.from({ length: 1000 }, () => random.bytes(32)) }), false);
  if (!list.ok) throw new Error(list.reason);
  core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 1, aud: LOCK }), false);
  for (let i = 0; i < 10_000; i++) {
    core.storeGrant([mintGrant(owner, { aud: LOCK, cti: random.bytes(16), role: 'guest', credential: { kind: 'pin', digests: [random.bytes(32)] } })]);
  }
  return core;
}

/** The decision measured, as a subject for sampleLatencies, and one raw verify of its proof by the same provider. */
export interface DecisionWorld {
  decision: Subject & { before: () => void };
  raw: Subject;
}

/**
 * The realistic worst case: a lock holding 100,000 revocations and 10,000 grants decides on a
 * two-link delivery chain with a weekly window and a holder proof. The raw verify checks what one
 * verify of the decision checks: the proof's Sig_structure, as the core builds it.
 */
export function decisionWorld(provider: 'sodium' | 'node'): DecisionWorld {
  const owner = fastKey('owner');
  const carrier = fastKey('carrier');
  const courier = fastKey('courier');
  const challenge = new Uint8Array(32).fill(3);
  const random = seededRandom(6);
  const deleg = mintGrant(owner, { aud: LOCK, cti: random.bytes(16), holderKey: carrier.publicKey, delegation: { roles: ['delivery'], maxUses: null, maxDepth: 0 }, exp: NOW / 1000 + 86_400 });
  const cti = random.bytes(16);
  const leaf = mintGrant(carrier, { aud: LOCK, cti, role: 'delivery', holderKey: courier.publicKey, exp: NOW / 1000 + 3600, schedule: [{ days: 1, start: 8 * 60, end: 18 * 60 }] });
  const presentation = present([deleg, leaf], courier, LOCK, challenge, cti);
  const parsed = parsePresentation(presentation);
  const proof = parsed.ok ? decodeSign1(parsed.value.proof) : null;
  if (!proof?.ok) throw new Error('bench presentation');
  const toBeSigned = sigStructure(proof.value.protectedBytes, proof.value.payload);
  const proofSignature = proof.value.signature;
  let raw: () => void;
  if (provider === 'sodium') {
    const sodium = loadSodiumNative();
    raw = () => sodium.crypto_sign_verify_detached(proofSignature, toBeSigned, courier.publicKey);
  } else {
    const keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(courier.publicKey).toString('base64url') }, format: 'jwk' });
    raw = () => nodeVerify(null, toBeSigned, keyObject, proofSignature);
  }
  const core = loadedCore(provider, owner, challenge);
  const decide = () => {
    const d = core.decide(presentation);
    if (!d.allow) throw new Error(`bench decision refused: ${d.reason}`);
  };
  return { decision: { run: decide, before: () => core.issueChallenge() }, raw: { run: raw } };
}

/** What bench/decision-probe.ts reports from a child started with lockd's node flags. */
export interface ProbeReport {
  flags: string[];
  scavenges: number;
  youngBytes: number;
  p50: number;
  p99: number;
  verifyP50: number;
  verifyP99: number;
}

/** Run the decision probe in a child started with the node flags packaging/deb/lockd gives the lock (bench/rss.ts `shippedCommand`). */
function probeUnderLockdFlags(probe: string, provider: 'sodium' | 'node', samples: number): ProbeReport {
  const { flags } = shippedCommand(process.cwd());
  const out = execFileSync(process.execPath, [...flags, probe, provider, String(samples)], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`decision probe (${provider}) printed no report`);
  return { ...(JSON.parse(line) as Omit<ProbeReport, 'flags'>), flags };
}

export async function benchDecision(full: boolean, probe: string | null = null): Promise<Figure[]> {
  const samples = full ? 20_000 : 3_000;
  const figures: Figure[] = [];
  for (const provider of ['sodium', 'node'] as const) {
    const world = decisionWorld(provider);
    const decide = world.decision.run;
    // Per-sample CPU of the deciding thread, bounded by process CPU and wall time (measure.ts
    // `Latency.cpu` says why), for the decision and, interleaved, one raw verify: constant-time
    // work of about the same size, whose own p99/p50 is what this machine adds to any code.
    const [decision, verify] = sampleLatencies(samples, [world.decision, world.raw]);
    const p50 = percentile(decision!.cpu, 50);
    const p99 = percentile(decision!.cpu, 99);
    const verifyP50 = percentile(verify!.cpu, 50);
    const verifyP99 = percentile(verify!.cpu, 99);
    const label = provider === 'sodium' ? 'libsodium' : 'node:crypto';
    globalThis.gc?.();
    const scavenges = await countScavenges(() => {
      for (let i = 0; i < 10_000; i++) {
        world.decision.before();
        decide();
      }
    });
    const bars = provider === 'sodium';
    const ratio = (name: string, value: number, max: number, what: string, note?: string): Figure =>
      bars ? atMost(name, value, 'x', max, what, note) : { name, value, unit: 'x', note };
    const ms = (v: number) => `${(v * 1000).toFixed(0)} us`;
    figures.push(
      { name: `[${label}] decision, known 2-link chain + proof, CPU p50`, value: p50 * 1000, unit: 'us' },
      { name: `[${label}] one raw verify of the proof, CPU p50`, value: verifyP50 * 1000, unit: 'us' },
      ratio(`[${label}] decision p50 / one raw verify p50`, p50 / verifyP50, 1.15, '1.15x'),
      ratio(
        `[${label}] decision CPU p99 / CPU p50`,
        p99 / p50,
        2,
        '2x',
        `per sample min(process CPU, wall), all ${samples} samples; process CPU alone p99 ${ms(percentile(decision!.processCpu, 99))} (${decision!.otherThreads} samples credited other threads' CPU)`,
      ),
      { name: `[${label}] one raw verify CPU p99 / CPU p50 (the machine's floor)`, value: verifyP99 / verifyP50, unit: 'x', note: `same measure, interleaved; p99 ${ms(verifyP99)}` },
      { name: `[${label}] decision, wall p50`, value: percentile(decision!.wall, 50) * 1000, unit: 'us', note: `p99 ${ms(percentile(decision!.wall, 99))}; ${decision!.preempted} of ${samples} samples preempted` },
      { name: `[${label}] GC scavenges per 10,000 decisions (node's default heap)`, value: scavenges, unit: '', note: 'this process: --expose-gc, no heap flags' },
    );
    if (probe) {
      // The shipped lock runs with a 1 MiB semi-space: every young byte a decision allocates
      // shows there as scavenges. Measured in a child started with exactly lockd's node flags.
      const child = probeUnderLockdFlags(probe, provider, samples);
      const flags = child.flags.join(' ');
      figures.push(
        { name: `[${label}] GC scavenges per 10,000 decisions under lockd's node flags`, value: child.scavenges, unit: '', note: `child process: node ${flags}` },
        { name: `[${label}] young-generation bytes allocated per decision`, value: child.youngBytes, unit: 'B', note: 'the challenge issued with it included; new-space growth over batches without a scavenge' },
        {
          name: `[${label}] decision CPU p99 / CPU p50 under lockd's node flags`,
          value: child.p99 / child.p50,
          unit: 'x',
          note: `same measure, all ${samples} samples, child process; p50 ${ms(child.p50)}, p99 ${ms(child.p99)}; one raw verify there ${(child.verifyP99 / child.verifyP50).toFixed(2)}x`,
        },
      );
    }
  }
  return figures;
}

export function benchRevocationMemory(): Figure[] {
  const owner = fastKey('owner');
  const random = seededRandom(6);
  const ids = random.bytes(16 * 1_000_000);
  const list = mintRevocations(owner, { seq: 1, aud: LOCK, iat: NOW / 1000, grants: [ids] });
  globalThis.gc?.();
  const before = process.memoryUsage();
  // A lock configured to hold a million entries (the default holds 32,000: docs/SECURITY.md).
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey], maxRevocationEntries: 1_000_000 }, { clock, random, store: new MemoryStore() });
  const t0 = performance.now();
  const result = core.applyRevocations(list, false);
  const loadMs = performance.now() - t0;
  if (!result.ok) throw new Error(result.reason);
  // The next message (here a heartbeat) is decoded, as in a running lock: cbor-x keeps its last input until then.
  core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 1, aud: LOCK }), false);
  globalThis.gc?.();
  const after = process.memoryUsage();
  const grown = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
  // The table alone, built the same way from the same list.
  const state = RevocationState.fromList(parseRevocations(new Map<number, unknown>([[1, 1], [2, LOCK], [3, 0], [4, new Map([[0, ids]])]]))!);
  return [
    { name: 'revocation list of 1,000,000 ids: signed size', value: list.length / 2 ** 20, unit: 'MiB' },
    { name: 'revocation list of 1,000,000 ids: verify + load', value: loadMs, unit: 'ms' },
    atMost('1,000,000-entry revocation set: table (8-byte fingerprints)', state.bytes / 2 ** 20, 'MiB', 20, '20 MiB', `load ${state.grants.load.toFixed(2)}`),
    { name: '1,000,000-entry revocation set: heap growth of the core after loading', value: grown, unit: 'MiB', note: `the set and what decoding the 15 MiB list left behind${globalThis.gc ? '' : ' (run with --expose-gc for an exact figure)'}` },
  ];
}
