// Port for randomness: challenges, jitter and key generation take their bytes from here.

export interface RandomSource {
  /** `n` random bytes. A production source is cryptographically secure; a test source is seeded. */
  bytes(n: number): Uint8Array;
  /** A float in [0, 1), for jitter and simulation only, never for secrets. */
  float(): number;
}
