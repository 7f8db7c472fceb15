// What the access core decides and reports: the decision value, its config and events, and the
// small pure helpers that build refusals and summaries. The core itself is core.ts.
import { createHash } from 'node:crypto';
import type { Link } from './chain.js';
import type { Ed25519Provider, SodiumLoader } from './ed25519.js';
import { NO_OBLIGATIONS, type Obligations, type Role } from './grant.js';
import { linkIdHex } from './grant-store.js';
import { MAX_REVOCATION_ENTRIES } from './revocation-limits.js';
import { sameBytes } from '../util/bytes.js';
import { toHex as hex } from '../util/hex.js';
import type { DecisionReason, GrantStoreReason, UpdateReason } from '../reasons.js';

/** The closed sets live in firmware/reasons.ts (and docs/PROTOCOL.md §8). */
export { DECISION_REASONS as DENY_REASONS } from '../reasons.js';
export type DenyReason = DecisionReason;

export interface GrantSummary {
  /** Grant id, hex: the leaf's cti when the owner signed it, else its identity digest (grant-store.ts `linkId`). */
  id: string;
  role: Role;
  /** The leaf's signer (owner or delegated issuer), hex. */
  issuer: string;
  chainLength: number;
  /** The leaf grant's label claim, if it has one. */
  label?: string | null;
}

export interface Decision {
  allow: boolean;
  reason: 'ok' | DenyReason;
  /** The grant decided on: on an allow, and on a refusal once the chain verified (before that nothing is trusted). */
  grant: GrantSummary | null;
  obligations: Obligations;
  /**
   * With `deferUses`: the uses an allow still has to commit (`commitUses`) right before the bolt
   * moves, so a refusal after the decision (camera, mode) costs the holder nothing. Empty otherwise.
   */
  uses?: readonly UseClaim[];
}

/** One use to record durably: a grant's counter, or a tracking number's (key 16 bytes). */
export interface UseClaim {
  key: Uint8Array;
  max: number;
}

export interface DecideOptions {
  /** Check that uses are left but leave committing them to the caller (see `commitUses`). */
  deferUses?: boolean;
}

export interface AccessConfig {
  lockId: string;
  /** IANA zone the grants' weekly windows are read in. */
  timeZone: string;
  ownerKeys: readonly Uint8Array[];
  provider: Ed25519Provider;
  /** How libsodium is loaded (tests inject a failing one to prove the fallback). */
  loadSodium?: SodiumLoader;
  clockSkewS: number;
  /** Per role, the oldest a heartbeat may be (seconds) before the role is refused. Owner is never refused. */
  maxRevocationAgeS: Partial<Record<Exclude<Role, 'owner'>, number>>;
  /** How far the clock may fall behind the trusted floor before it counts as set back. */
  clockBackToleranceMs: number;
  /** How far the wall clock may run ahead of the monotonic clock before the jump needs a heartbeat (trusted-time.ts). */
  clockForwardToleranceMs?: number;
  /**
   * The most revocation entries (grant ids, holder and issuer keys together) the lock holds; a
   * larger list is refused as `too-large` from its length alone, before any hashing.
   */
  maxRevocationEntries?: number;
}

export const DEFAULT_ACCESS: Omit<AccessConfig, 'lockId' | 'timeZone' | 'ownerKeys'> = {
  provider: 'sodium',
  clockSkewS: 60,
  maxRevocationAgeS: { guest: 7 * 86_400, service: 7 * 86_400, delivery: 86_400 },
  clockBackToleranceMs: 5_000,
  clockForwardToleranceMs: 600_000,
  maxRevocationEntries: MAX_REVOCATION_ENTRIES,
};

export type UpdateRefusal = UpdateReason;
export type LinkRefusal = 'wrong-lock' | 'not-yet-valid' | 'expired' | 'outside-schedule' | 'revoked-grant' | 'revoked-issuer' | 'revoked-holder';
export type UpdateResult = { ok: true; seq: number } | { ok: false; reason: UpdateRefusal };

export interface AccessEvents {
  'clock-set-back': { clock: number; floor: number };
  /** The wall clock jumped ahead of the monotonic clock: not trusted until a heartbeat confirms it. */
  'clock-jumped-forward': { clock: number; trusted: number };
  'clock-confirmed': { clock: number };
  revocations: { seq: number; grants: number; holders: number; issuers: number };
  'revocations-refused': { reason: UpdateRefusal };
  /** A stored grant that no longer verifies when verified again after a boot: dropped from storage. */
  'grant-dropped': { id: string; reason: GrantStoreReason };
}



/** The journal key of one tracking number's single use under a grant (its id, see `linkId`). */
export function trackingUseKey(id: Uint8Array, digest: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('lock-tracking-use-v1').update(id).update(digest).digest().subarray(0, 16));
}

/** A refusal; `grant` when the chain verified, so the audit record says whose it was. */
export function deny(reason: DenyReason, grant: GrantSummary | null = null): Decision {
  return { allow: false, reason, grant, obligations: NO_OBLIGATIONS };
}

export function summary(links: readonly Link[]): GrantSummary {
  const leaf = links.at(-1)!;
  return { id: linkIdHex(links), role: leaf.claims.role!, issuer: issuerHex(leaf), chainLength: links.length, label: leaf.claims.label };
}

/**
 * Signers in hex, for summaries (built on every decision): a few issuers sign nearly everything
 * (the owner, a carrier), so a small table keyed by a key's first bytes, confirmed by comparing
 * all of them, spares the encoding. Bounded: a clash or a full table only costs a recomputation.
 */
const issuerNames = new Map<number, { key: Uint8Array; hex: string }>();
const ISSUER_NAMES = 64;
function issuerHex(link: Link): string {
  const key = link.signer;
  const slot = (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) & 0x3fffffff; // a small integer: no heap number
  const known = issuerNames.get(slot);
  if (known !== undefined && sameBytes(known.key, key)) return known.hex;
  const text = hex(key);
  if (known === undefined && issuerNames.size >= ISSUER_NAMES) issuerNames.delete(issuerNames.keys().next().value!);
  issuerNames.set(slot, { key: new Uint8Array(key), hex: text });
  return text;
}
