// A grant chain, root first: [delegation, (delegation,)] grant. The root is signed by an owner key;
// each later link by the key its parent delegated to (the parent's cnf); every child may only
// narrow its parent: time, schedule, roles, uses, depth, and obligations it must keep.
import { checkTrustedKey, type Ed25519Verifier } from './ed25519.js';
import { type Claims, NO_OBLIGATIONS, parseClaims, type Obligations } from './grant.js';
import { openSigned, TYP } from './messages.js';
import { scheduleWithin } from './schedule.js';
import { sameBytes } from '../util/bytes.js';

export interface Link {
  signer: Uint8Array;
  claims: Claims;
}

export type ChainRefusal = 'malformed' | 'too-large' | 'bad-signature' | 'unsupported-alg' | 'unknown-issuer' | 'broken-chain' | 'delegation-widens' | 'not-a-grant' | 'bad-issuer-key';

const equal = (a: Uint8Array | null, b: Uint8Array | null) => a !== null && b !== null && sameBytes(a, b);

/**
 * Links already verified, by their exact bytes. Grants and delegations are presented again and
 * again as the same bytes, and verifying public bytes always gives the same answer, so the
 * signature need not be checked twice. Looked up by a cheap seeded hash of the signature and
 * confirmed by comparing every byte (so the hash need not resist collisions: a collision is only
 * a miss). Only successes are kept; bounded, oldest out first.
 */
export class VerifiedLinks {
  /** Each entry keeps the answer it gives (one object, shared by every hit: nothing allocated on a hit). */
  private readonly links = new Map<number, { bytes: Uint8Array; hit: { ok: true; link: Link } }>();
  private readonly seed = (Math.random() * 0x1_0000_0000) >>> 0;
  constructor(private readonly capacity = 1024) {}

  open(bytes: Uint8Array, verifier: Ed25519Verifier): { ok: true; link: Link } | { ok: false; reason: ChainRefusal } {
    const id = this.capacity === 0 ? 0 : hashBytes(bytes, this.seed);
    const known = this.links.get(id);
    if (known && sameBytes(known.bytes, bytes)) return known.hit;
    const opened = openSigned(bytes, TYP.grant, verifier);
    if (!opened.ok) return { ok: false, reason: opened.reason === 'wrong-type' ? 'malformed' : opened.reason };
    const claims = parseClaims(opened.value.payload);
    if (!claims.ok) return { ok: false, reason: 'malformed' };
    // A delegate becomes an issuer: its key is checked as an owner key is (canonical, not small-order, torsion-free).
    if (claims.value.delegation && checkTrustedKey(claims.value.holderKey!)) return { ok: false, reason: 'bad-issuer-key' };
    const hit = { ok: true as const, link: { signer: opened.value.signer, claims: claims.value } };
    if (this.capacity === 0) return hit;
    this.links.delete(id);
    if (this.links.size >= this.capacity) this.links.delete(this.links.keys().next().value!);
    this.links.set(id, { bytes: new Uint8Array(bytes), hit });
    return hit;
  }
}

/** How many trailing bytes the look-up hash reads: a COSE_Sign1 ends with its 64-byte signature. */
const HASHED_TAIL = 64;

/**
 * A 32-bit FNV-1a-style hash, with a per-instance seed, over the length and the last HASHED_TAIL
 * bytes: the signature, which differs between any two messages anyone signed. Not cryptographic,
 * and it need not be: the look-up is confirmed by comparing every byte, so two messages with the
 * same tail only make a miss.
 */
function hashBytes(bytes: Uint8Array, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const n = bytes.length;
  let i = Math.max(0, n - HASHED_TAIL);
  for (; i + 4 <= n; i += 4) {
    h = Math.imul(h ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < n; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h ^ (h >>> 16) ^ n) >>> 0;
}

/** Verify every link's signature and its place in the chain. Time, audience and revocation are the caller's. */
export function verifyChain(
  chain: readonly Uint8Array[],
  isOwnerKey: (key: Uint8Array) => boolean,
  verifier: Ed25519Verifier,
  cache: VerifiedLinks = new VerifiedLinks(0),
): { ok: true; links: Link[] } | { ok: false; reason: ChainRefusal } {
  const links = new Array<Link>(chain.length); // its size known: no growing as it fills
  for (let i = 0; i < chain.length; i++) {
    const opened = cache.open(chain[i]!, verifier);
    if (!opened.ok) return opened;
    const link = opened.link;
    if (i === 0) {
      if (!isOwnerKey(link.signer)) return { ok: false, reason: 'unknown-issuer' };
    } else {
      const parent = links[i - 1]!;
      if (!parent.claims.delegation || !equal(parent.claims.holderKey, link.signer)) return { ok: false, reason: 'broken-chain' };
      if (!narrows(link.claims, parent.claims)) return { ok: false, reason: 'delegation-widens' };
    }
    links[i] = link;
  }
  const leaf = links.at(-1)!.claims;
  if (leaf.delegation) return { ok: false, reason: 'not-a-grant' };
  return { ok: true, links };
}

/** Does `child` stay inside what `parent` (a delegation) allows? */
export function narrows(child: Claims, parent: Claims): boolean {
  const bounds = parent.delegation!;
  if (child.aud !== parent.aud) return false;
  if (parent.nbf !== null && (child.nbf === null || child.nbf < parent.nbf)) return false;
  if (parent.exp !== null && (child.exp === null || child.exp > parent.exp)) return false;
  if (!scheduleWithin(child.schedule, parent.schedule)) return false;
  if (!keepsObligations(child.obligations, parent.obligations)) return false;
  if (child.delegation) {
    if (bounds.maxDepth < 1 || child.delegation.maxDepth > bounds.maxDepth - 1) return false;
    if (!child.delegation.roles.every((r) => bounds.roles.includes(r))) return false;
    if (bounds.maxUses !== null && (child.delegation.maxUses === null || child.delegation.maxUses > bounds.maxUses)) return false;
    return true;
  }
  if (child.role === null || !bounds.roles.includes(child.role)) return false;
  if (bounds.maxUses !== null && (child.maxUses === null || child.maxUses > bounds.maxUses)) return false;
  return true;
}

function keepsObligations(child: Obligations, parent: Obligations): boolean {
  if (parent.record && !child.record) return false;
  if (parent.relockWithinS !== null && (child.relockWithinS === null || child.relockWithinS > parent.relockWithinS)) return false;
  return true;
}

/** The strictest obligations along the chain: any link's recording, the shortest relock deadline. */
export function effectiveObligations(links: readonly Link[]): Obligations {
  let record = false;
  let relock: number | null = null;
  for (const { claims } of links) {
    record ||= claims.obligations.record;
    const r = claims.obligations.relockWithinS;
    if (r !== null) relock = relock === null ? r : Math.min(relock, r);
  }
  // None (most grants): the one shared value every refusal carries too, nothing allocated.
  return record || relock !== null ? { record, relockWithinS: relock } : NO_OBLIGATIONS;
}
