// Serial pairing and parcel-box figures: how fast the pairing server chews through a flood of
// frames (valid requests and junk) on an in-memory line, and what a parcel scan costs to decide
// among 1,000 parcel-box grants of 10 tracking numbers each.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { identityFromSeed } from '../firmware/identity.js';
import { normalizeTracking, trackingDigest } from '../firmware/keypad/codes.js';
import { encodeFrame } from '../firmware/pairing/framing.js';
import { installerHandlers } from '../firmware/pairing/installer.js';
import { readPaired } from '../firmware/pairing/paired-state.js';
import { encodeRequest } from '../firmware/pairing/protocol.js';
import { PairingServer } from '../firmware/pairing/server.js';
import { MemoryStore } from '../firmware/store/store.js';
import { OffsetClock } from '../firmware/util/offset-clock.js';
import { seededRandom } from '../hal/node/random.js';
import type { SerialLink } from '../hal/ports/serial-link.js';
import { mintGrant, mintHeartbeat } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { type Figure, percentile } from './figures.js';
import { ManualClock } from '../tests/helpers/manual-clock.js';

const NOW = Date.parse('2026-06-01T08:00:00Z');
const clock = new ManualClock(NOW);

export function benchPairingFlood(): Figure[] {
  let listener: (c: Uint8Array) => void = () => {};
  let replies = 0;
  const link: SerialLink = { write: async () => void replies++, onData: (l) => ((listener = l), () => {}), onClose: () => () => {}, close: async () => {} };
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-pairing-'));
  const handlers = installerHandlers({
    stateDir, identity: identityFromSeed(new Uint8Array(32).fill(1)), clock: new OffsetClock(clock), board: 'sim', firmwareVersion: 'bench',
    current: () => readPaired(stateDir), paired: () => readPaired(stateDir) !== null, restart: async () => {}, selfTest: async () => new Map(),
  });
  const server = new PairingServer({ link, clock, handlers });
  const random = seededRandom(5);
  const valid = encodeFrame(encodeRequest(1, 'set-time', new Map([['time', 1]]))); // refused by validation, like most of a flood
  const junk = Uint8Array.from(random.bytes(4096), (b) => b || 1);
  const frames = 100_000;
  const t0 = performance.now();
  const junks = Array.from({ length: 512 }, (_, n) => Uint8Array.from([...junk.subarray(0, 64 + n), 0])); // line noise, then a delimiter
  for (let i = 0; i < frames; i++) listener(i % 2 ? valid : junks[i % 512]!);
  listener(Uint8Array.of(0));
  const seconds = (performance.now() - t0) / 1000;
  const c = server.counters;
  return [
    { name: 'serial flood: chunks processed', value: Math.round(frames / seconds), unit: '/s', note: `half valid requests, half junk; ${c.frames} frames, ${c.badCobs + c.badCrc} bad, ${c.requests} answered` },
    { name: 'serial flood: bytes processed', value: Math.round(((valid.length + 320) * frames) / 2 / seconds / 1024), unit: 'KiB/s', note: '115200 baud is 11 KiB/s' },
  ];
}

export function benchParcelScan(): Figure[] {
  const owner = fastKey('owner');
  const secret = new Uint8Array(32).fill(0x42);
  const random = seededRandom(9);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: 'box', timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random, store: new MemoryStore() });
  core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: 'box' }));
  const numbers: string[] = [];
  for (let g = 0; g < 1000; g++) {
    const batch = Array.from({ length: 10 }, (_, i) => `1Z${String(g * 10 + i).padStart(16, '0')}`);
    numbers.push(...batch);
    core.storeGrant([mintGrant(owner, { aud: 'box', cti: random.bytes(16), role: 'delivery', credential: { kind: 'tracking', digests: batch.map((t) => trackingDigest(secret, t)) } })]);
  }
  const times: number[] = [];
  for (const text of numbers) {
    const t0 = performance.now();
    const decision = core.decideCredential(trackingDigest(secret, normalizeTracking(text)!), 'tracking', { deferUses: true });
    times.push(performance.now() - t0);
    if (!decision.allow) throw new Error('bench parcel refused');
  }
  times.sort((a, b) => a - b);
  return [
    { name: 'parcel scan decision, p50 (10,000 parcels)', value: percentile(times, 50), unit: 'ms' },
    { name: 'parcel scan decision, p99', value: percentile(times, 99), unit: 'ms', bar: '<= 1 ms (as keypad codes)', ok: percentile(times, 99) <= 1 },
  ];
}
