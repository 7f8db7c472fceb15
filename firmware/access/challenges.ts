// Fresh challenges for holder proofs: random 32 bytes, single use, short-lived, a bounded number
// outstanding. A proof over an unknown, used or stale challenge is refused, so a recorded proof
// cannot be replayed.
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';

export type ChallengeRefusal = 'challenge-unknown' | 'challenge-expired' | 'challenge-replayed';

export class ChallengeBook {
  private readonly open = new Map<string, number>();
  private readonly used: string[] = [];
  private readonly usedSet = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly ttlMs = 30_000,
    private readonly maxOpen = 64,
    private readonly rememberUsed = 1024,
  ) {}

  issue(): Uint8Array {
    const challenge = this.random.bytes(32);
    if (this.open.size >= this.maxOpen) this.open.delete(this.open.keys().next().value!);
    this.open.set(Buffer.from(challenge).toString('hex'), this.clock.now() + this.ttlMs);
    return challenge;
  }

  /** Consume a challenge: null if it was outstanding and fresh. Either way it cannot be used again. */
  take(challenge: Uint8Array): ChallengeRefusal | null {
    const id = Buffer.from(challenge).toString('hex');
    const expires = this.open.get(id);
    if (expires === undefined) return this.usedSet.has(id) ? 'challenge-replayed' : 'challenge-unknown';
    this.open.delete(id);
    this.used.push(id);
    this.usedSet.add(id);
    if (this.used.length > this.rememberUsed) this.usedSet.delete(this.used.shift()!);
    return this.clock.now() <= expires ? null : 'challenge-expired';
  }
}
