// Grants pushed to the lock (PIN grants, tracking-number grants, delegations), kept verified in
// memory: by grant id, and by credential digest so a keypad code is found without a scan.
import type { Link } from './chain.js';
import { toHex as hex } from '../util/hex.js';

export interface StoredGrant {
  chain: Uint8Array[];
  links: Link[];
}


export class GrantStore {
  private readonly byId = new Map<string, StoredGrant>();
  private readonly byDigest = new Map<string, StoredGrant>();

  constructor(private readonly capacity = 20_000) {}

  get size(): number {
    return this.byId.size;
  }

  /** Whether a grant with this id can be added (a replacement always can). */
  hasRoom(cti: Uint8Array): boolean {
    return this.byId.has(hex(cti)) || this.byId.size < this.capacity;
  }

  /** false when full. A grant with the same id replaces the old one. */
  add(grant: StoredGrant): boolean {
    const leaf = grant.links.at(-1)!.claims;
    const id = hex(leaf.cti);
    if (!this.byId.has(id) && this.byId.size >= this.capacity) return false;
    this.remove(leaf.cti);
    this.byId.set(id, grant);
    for (const digest of leaf.credential?.digests ?? []) this.byDigest.set(hex(digest), grant);
    return true;
  }

  remove(cti: Uint8Array): void {
    const old = this.byId.get(hex(cti));
    if (!old) return;
    this.byId.delete(hex(cti));
    for (const digest of old.links.at(-1)!.claims.credential?.digests ?? []) this.byDigest.delete(hex(digest));
  }

  get(cti: Uint8Array): StoredGrant | undefined {
    return this.byId.get(hex(cti));
  }

  /** The grant carrying this keyed digest (32 bytes), if any. */
  findByDigest(digest: Uint8Array): StoredGrant | undefined {
    return this.byDigest.get(hex(digest));
  }
}
