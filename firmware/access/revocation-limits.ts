// How large a revocation list the lock takes: as many entries as it can hold, and so a byte bound
// it checks from the message's length before any decoding or hashing (a 47 MiB list with a bad
// signature used to cost ~2 s of event loop and ~400 MiB before it was refused).
import type { CborLimits } from './cbor.js';
import { REVOCATION_LIMITS, type RevocationList } from './messages.js';

/**
 * Default capacity: 32,000 entries. At 32 bytes a key the signed list stays under 1 MiB, the
 * MQTT link's packet limit, and applying it stays within tens of milliseconds on a Pi-class core.
 */
export const MAX_REVOCATION_ENTRIES = 32_000;

/** Envelope, header, signature and map overhead on top of the entries' bytes. */
const OVERHEAD = 1024;

/** CBOR limits for a list of at most `entries` entries: every entry counted at 32 bytes. */
export function revocationLimits(entries: number): CborLimits {
  return { ...REVOCATION_LIMITS, maxBytes: Math.min(REVOCATION_LIMITS.maxBytes, entries * 32 + OVERHEAD) };
}

export function revocationEntries(list: RevocationList): number {
  return list.grants.length / 16 + list.holders.length / 32 + list.issuers.length / 32;
}
