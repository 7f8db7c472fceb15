// Keypad figures: the code check (PIN by keyed digest among 1,000 PIN grants, or an offline code
// with its window and single-use record), and the time to reject a wrong PIN as a function of how
// many of its leading digits match a real one (it must not grow: the look-up is by HMAC).
import { AccessCore, DEFAULT_ACCESS } from '../firmware/access/core.js';
import { checkOfflineCode, offlineCode, pinDigest } from '../firmware/keypad/codes.js';
import { MemoryStore } from '../firmware/store/store.js';
import { seededRandom } from '../hal/node/random.js';
import { mintGrant, mintHeartbeat } from '../tools/lib/mint.js';
import { fastKey } from './access.js';
import { type Figure, percentile } from './figures.js';
import { ManualClock } from '../tests/helpers/manual-clock.js';

const LOCK = 'front-door';
const NOW = Date.parse('2026-06-01T08:00:00Z');

export function benchKeypad(): Figure[] {
  const owner = fastKey('owner');
  const secret = new Uint8Array(32).fill(0x42);
  const random = seededRandom(8);
  const store = new MemoryStore();
  const clock = new ManualClock(NOW);
  const core = new AccessCore({ ...DEFAULT_ACCESS, lockId: LOCK, timeZone: 'Europe/Berlin', ownerKeys: [owner.publicKey] }, { clock, random, store });
  core.applyHeartbeat(mintHeartbeat(owner, { time: NOW / 1000, seq: 0, aud: LOCK }));
  const pins: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const pin = String(10_000_000 + i * 7919).slice(0, 8);
    pins.push(pin);
    core.storeGrant([mintGrant(owner, { aud: LOCK, cti: random.bytes(16), role: 'guest', schedule: [{ days: 0x7f, start: 0, end: 1440 }], credential: { kind: 'pin', digests: [pinDigest(secret, pin)] } })]);
  }
  const codes = [0, 1, 2, 3].map((cls) => offlineCode(secret, LOCK, NOW, cls));
  const pinTimes: number[] = [];
  const codeTimes: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const pin = pins[i % pins.length]!;
    let t0 = performance.now();
    if (!core.decideCredential(pinDigest(secret, pin), 'pin').allow) throw new Error('bench PIN refused');
    pinTimes.push(performance.now() - t0);
    t0 = performance.now();
    const check = checkOfflineCode(secret, LOCK, codes[i % codes.length]!, NOW);
    if (!check.valid) throw new Error('bench code refused');
    codeTimes.push(performance.now() - t0);
  }
  const sort = (a: number[]) => a.slice(1000).sort((x, y) => x - y);
  const p = sort(pinTimes);
  const c = sort(codeTimes);

  // Rejection time by matching leading digits of a real PIN: medians over interleaved rounds.
  const target = pins[500]!;
  const byPrefix: number[][] = Array.from({ length: target.length }, () => []);
  for (let round = 0; round < 4000; round++) {
    for (let k = 0; k < target.length; k++) {
      const wrong = target.slice(0, k) + String((Number(target[k]) + 1) % 10) + target.slice(k + 1);
      const t0 = performance.now();
      if (core.decideCredential(pinDigest(secret, wrong), 'pin').allow) throw new Error('wrong PIN accepted');
      byPrefix[k]!.push(performance.now() - t0);
    }
  }
  const medians = byPrefix.map((t) => percentile(t.sort((x, y) => x - y), 50) * 1000);
  const spread = Math.max(...medians) - Math.min(...medians);
  return [
    { name: 'PIN check among 1,000 PIN grants, p50', value: percentile(p, 50), unit: 'ms' },
    { name: 'PIN check among 1,000 PIN grants, p99', value: percentile(p, 99), unit: 'ms', bar: '<= 1 ms', ok: percentile(p, 99) <= 1 },
    { name: 'offline code check, p50', value: percentile(c, 50), unit: 'ms' },
    { name: 'offline code check, p99', value: percentile(c, 99), unit: 'ms', bar: '<= 1 ms', ok: percentile(c, 99) <= 1 },
    { name: 'wrong PIN rejection, median by matching leading digits 0..7', value: Math.min(...medians), unit: 'us (min)', note: medians.map((m) => m.toFixed(2)).join(' / ') },
    { name: 'spread of those medians', value: spread, unit: 'us', bar: 'flat within noise' },
  ];
}
