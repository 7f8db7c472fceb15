// Fresh challenges for holder proofs: random 32 bytes, single use, short-lived, a bounded number
// outstanding. A proof over an unknown, used or stale challenge is refused, so a recorded proof
// cannot be replayed.
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';

export type ChallengeRefusal = 'challenge-unknown' | 'challenge-expired' | 'challenge-replayed';

/** 30 bits of a challenge as a small integer: the map key (no strings, no heap numbers on the decision path). */
function keyOf(challenge: Uint8Array): number {
  return ((challenge[0] ?? 0) | ((challenge[1] ?? 0) << 8) | ((challenge[2] ?? 0) << 16) | ((challenge[3] ?? 0) << 24)) & 0x3fffffff;
}

export class ChallengeBook {
  /** Outstanding challenges by key; the full bytes are compared on take. */
  private readonly open = new Map<number, { challenge: Uint8Array; expires: number }>();
  /** Keys of the last `rememberUsed` challenges taken, oldest first from `next` (a ring). */
  private readonly used: number[] = [];
  private next = 0;
  private readonly usedSet = new Set<number>();

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly ttlMs = 30_000,
    private readonly maxOpen = 64,
    private readonly rememberUsed = 1024,
  ) {}

  issue(): Uint8Array {
    const challenge = this.random.bytes(32);
    const key = keyOf(challenge);
    this.open.delete(key); // (a 30-bit clash replaces the older one: it is then refused as unknown)
    if (this.open.size >= this.maxOpen) this.open.delete(this.open.keys().next().value!);
    this.open.set(key, { challenge: new Uint8Array(challenge), expires: this.clock.now() + this.ttlMs });
    return challenge;
  }

  /** Consume a challenge: null if it was outstanding and fresh. Either way it cannot be used again. */
  take(challenge: Uint8Array): ChallengeRefusal | null {
    const key = keyOf(challenge);
    const entry = this.open.get(key);
    if (entry === undefined || Buffer.compare(entry.challenge, challenge) !== 0) return this.usedSet.has(key) ? 'challenge-replayed' : 'challenge-unknown';
    this.open.delete(key);
    if (this.used.length < this.rememberUsed) this.used.push(key);
    else {
      this.usedSet.delete(this.used[this.next]!);
      this.used[this.next] = key;
      this.next = (this.next + 1) % this.rememberUsed;
    }
    this.usedSet.add(key);
    return this.clock.now() <= entry.expires ? null : 'challenge-expired';
  }
}
