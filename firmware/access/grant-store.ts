// Grants pushed to the lock (PIN grants, tracking-number grants, delegations), kept verified in
// memory under their identity, and by credential digest so a keypad code is found without a scan.
// A grant's identity is (root key, issuer key, cti): a carrier cannot shadow an owner's grant by
// reusing its id, and a stored grant is replaced only by its own issuer with a strictly newer iat.
import { createHash } from 'node:crypto';
import type { Link } from './chain.js';
import { toHex as hex } from '../util/hex.js';

export interface StoredGrant {
  chain: Uint8Array[];
  links: Link[];
}

/** Why a grant was not stored. */
export type StoreRefusal = 'store-full' | 'grant-superseded' | 'grant-id-taken' | 'credential-taken';

/**
 * The 16-byte id of link `i` of a verified chain, under which its uses are counted and by which it
 * is revoked: the cti itself for a link the owner signed (the root), else
 * SHA-256("lock-grant-id-v1" || root key || issuer key || cti)[0..16].
 */
export function linkId(links: readonly Link[], i = links.length - 1): Uint8Array {
  return i === 0 ? links[0]!.claims.cti : delegatedMemo(links, i).id;
}

/** `linkId` as lowercase hex: the key grants are held and reported under. */
export function linkIdHex(links: readonly Link[], i = links.length - 1): string {
  if (i === 0) return hex(links[0]!.claims.cti);
  const memo = delegatedMemo(links, i);
  return (memo.hex ??= hex(memo.id));
}

/**
 * Ids of delegated links already computed, per link object: verified links are shared, immutable
 * and presented again and again, so each is hashed once, not on every decision. The id also depends
 * on the chain's root key, so the memo holds the root it was computed under and is recomputed when
 * another root is asked for. (A root link's id is its cti: nothing to keep.)
 */
interface IdMemo {
  root: Uint8Array;
  id: Uint8Array;
  hex: string | null;
}
const delegatedIds = new WeakMap<Link, IdMemo>();

function delegatedMemo(links: readonly Link[], i: number): IdMemo {
  const link = links[i]!;
  const root = links[0]!.signer;
  let memo = delegatedIds.get(link);
  if (memo === undefined || !sameRoot(memo.root, root)) {
    memo = { root, id: delegatedGrantId(root, link.signer, link.claims.cti), hex: null };
    delegatedIds.set(link, memo);
  }
  return memo;
}

const sameRoot = (a: Uint8Array, b: Uint8Array): boolean => a === b || Buffer.compare(a, b) === 0;

/** The id of a grant signed by a delegated issuer under the owner key `root` (tools compute it to revoke one). */
export function delegatedGrantId(root: Uint8Array, issuer: Uint8Array, cti: Uint8Array): Uint8Array {
  const h = createHash('sha256').update('lock-grant-id-v1').update(root).update(issuer).update(cti);
  return new Uint8Array(h.digest().subarray(0, 16));
}

export class GrantStore {
  private readonly byId = new Map<string, StoredGrant>();
  private readonly byDigest = new Map<string, StoredGrant>();

  constructor(readonly capacity = 20_000) {}

  get size(): number {
    return this.byId.size;
  }

  /**
   * Whether a verified grant may be kept: null when it may (or when these very bytes are already
   * held). Another version of a held grant needs the same issuer and a strictly newer iat; a
   * credential digest already carried by another grant is refused (it would shadow it).
   */
  admit(grant: StoredGrant): StoreRefusal | null {
    const leaf = grant.links.at(-1)!;
    const old = this.byId.get(linkIdHex(grant.links));
    if (old) {
      if (sameChain(old, grant)) return null;
      if (Buffer.compare(old.links.at(-1)!.signer, leaf.signer) !== 0) return 'grant-id-taken';
      if (!newer(leaf, old.links.at(-1)!)) return 'grant-superseded';
    } else if (this.byId.size >= this.capacity) {
      return 'store-full';
    }
    for (const digest of leaf.claims.credential?.digests ?? []) {
      const holder = this.byDigest.get(hex(digest));
      if (holder && holder !== old) return 'credential-taken';
    }
    return null;
  }

  /** Keep a grant `admit` let through, replacing the version held under its id. */
  add(grant: StoredGrant): void {
    const leaf = grant.links.at(-1)!;
    const id = linkIdHex(grant.links);
    const old = this.byId.get(id);
    if (old) this.remove(id);
    this.byId.set(id, grant);
    for (const digest of leaf.claims.credential?.digests ?? []) this.byDigest.set(hex(digest), grant);
  }

  /** Forget the grant with this id (hex), if held. */
  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    for (const digest of old.links.at(-1)!.claims.credential?.digests ?? []) this.byDigest.delete(hex(digest));
  }

  /** True when a newer version of this chain's leaf (same identity, later iat) is held. */
  supersedes(links: readonly Link[]): boolean {
    const held = this.byId.get(linkIdHex(links));
    return held !== undefined && newer(held.links.at(-1)!, links.at(-1)!);
  }

  get(links: readonly Link[]): StoredGrant | undefined {
    return this.byId.get(linkIdHex(links));
  }

  /** The grant carrying this keyed digest (32 bytes), if any. */
  findByDigest(digest: Uint8Array): StoredGrant | undefined {
    return this.byDigest.get(hex(digest));
  }

}

function sameChain(a: StoredGrant, b: StoredGrant): boolean {
  return a.chain.length === b.chain.length && a.chain.every((c, i) => Buffer.compare(c, b.chain[i]!) === 0);
}

/** Is `a` a strictly newer version than `b`? A grant without iat is never newer than anything. */
function newer(a: Link, b: Link): boolean {
  return a.claims.iat !== null && (b.claims.iat === null || a.claims.iat > b.claims.iat);
}
