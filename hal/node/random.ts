// RandomSource implementations: the system CSPRNG for production, a seeded PRNG for simulation.
import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../ports/random.js';

export const cryptoRandom: RandomSource = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
  float: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
};

/**
 * A deterministic source (mulberry32) for simulations and tests: same seed, same run.
 * Never used for keys or challenges outside tests.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    float: next,
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}
