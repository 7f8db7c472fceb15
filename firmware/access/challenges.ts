// Fresh challenges for holder proofs: random 32 bytes, single use, short-lived, a bounded number
// outstanding. A proof over an unknown, used or stale challenge is refused, so a recorded proof
// cannot be replayed. Kept in fixed slots allocated once: issuing and taking one (every
// presentation) allocates nothing.
import type { Clock } from '../../hal/ports/clock.js';
import type { RandomSource } from '../../hal/ports/random.js';
import { sameBytes } from '../util/bytes.js';

export type ChallengeRefusal = 'challenge-unknown' | 'challenge-expired' | 'challenge-replayed';

const SIZE = 32;
/** A slot's key when it holds no challenge (keys are 30-bit, never negative). */
const EMPTY = -1;

/** 30 bits of a challenge as a small integer: the slot key (no strings, no heap numbers on the decision path). */
function keyOf(challenge: Uint8Array): number {
  return ((challenge[0] ?? 0) | ((challenge[1] ?? 0) << 8) | ((challenge[2] ?? 0) << 16) | ((challenge[3] ?? 0) << 24)) & 0x3fffffff;
}

export class ChallengeBook {
  /** Outstanding challenges, one per slot: key (EMPTY when free), issue order, expiry, and the full bytes compared on take. */
  private readonly keys: Int32Array;
  private readonly order: Float64Array;
  private readonly expires: Float64Array;
  private readonly bytes: Uint8Array[];
  private issued = 0;
  private outstanding = 0;
  /** Keys of the last `rememberUsed` challenges taken, oldest first from `next` (a ring). */
  private readonly used: Int32Array;
  private usedCount = 0;
  private next = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly ttlMs = 30_000,
    private readonly maxOpen = 64,
    private readonly rememberUsed = 1024,
  ) {
    this.keys = new Int32Array(maxOpen).fill(EMPTY);
    this.order = new Float64Array(maxOpen);
    this.expires = new Float64Array(maxOpen);
    const store = new Uint8Array(maxOpen * SIZE);
    this.bytes = Array.from({ length: maxOpen }, (_, i) => store.subarray(i * SIZE, (i + 1) * SIZE));
    this.used = new Int32Array(rememberUsed);
  }

  issue(): Uint8Array {
    const challenge = this.random.bytes(SIZE);
    const key = keyOf(challenge);
    const clash = this.slotOf(key);
    if (clash >= 0) this.free(clash); // (a 30-bit clash replaces the older one: it is then refused as unknown)
    if (this.outstanding >= this.maxOpen) this.free(this.oldest());
    const slot = this.slotOf(EMPTY);
    this.keys[slot] = key;
    this.order[slot] = ++this.issued;
    this.expires[slot] = this.clock.now() + this.ttlMs;
    this.bytes[slot]!.set(challenge);
    this.outstanding++;
    return challenge;
  }

  /** Consume a challenge: null if it was outstanding and fresh. Either way it cannot be used again. */
  take(challenge: Uint8Array): ChallengeRefusal | null {
    const key = keyOf(challenge);
    const slot = this.slotOf(key);
    // Every byte compared, not only the key's 30 bits.
    if (slot < 0 || !sameBytes(this.bytes[slot]!, challenge)) return this.wasUsed(key) ? 'challenge-replayed' : 'challenge-unknown';
    const expires = this.expires[slot]!;
    this.free(slot);
    this.used[this.next] = key;
    this.next = (this.next + 1) % this.rememberUsed;
    if (this.usedCount < this.rememberUsed) this.usedCount++;
    return this.clock.now() <= expires ? null : 'challenge-expired';
  }

  /** The slot holding `key` (EMPTY: a free slot), or -1. */
  private slotOf(key: number): number {
    for (let i = 0; i < this.maxOpen; i++) if (this.keys[i] === key) return i;
    return -1;
  }

  /** The slot of the challenge issued first among those outstanding. */
  private oldest(): number {
    let found = 0;
    for (let i = 1; i < this.maxOpen; i++) if (this.order[i]! < this.order[found]!) found = i;
    return found;
  }

  private free(slot: number): void {
    this.keys[slot] = EMPTY;
    this.bytes[slot]!.fill(0);
    this.outstanding--;
  }

  /** Is `key` among the last `rememberUsed` taken? Read on a refusal only. */
  private wasUsed(key: number): boolean {
    for (let i = 0; i < this.usedCount; i++) if (this.used[i] === key) return true;
    return false;
  }
}
