// Stored grants read back at boot and not yet verified again. They are verified after "ready", a
// batch at a time, so a large store does not hold up the boot; until then a look-up that could
// need one verifies it first: the grant filed under an id, or the grants whose bytes carry a
// credential digest. Nothing is ever judged against an unverified grant.

export type FiledChain = [key: string, chain: Uint8Array[]];

export class UnverifiedGrants {
  private stored: Map<string, Uint8Array[]> | null = null;

  /** `load` reads the stored grants, when first needed. */
  constructor(private readonly load: () => Map<string, Uint8Array[]>) {}

  private get byKey(): Map<string, Uint8Array[]> {
    this.stored ??= this.load();
    return this.stored;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Up to `limit` of them, in the order they were filed, taken out of the waiting set. */
  take(limit: number): FiledChain[] {
    const out: FiledChain[] = [];
    for (const entry of this.byKey) {
      if (out.length >= limit) break;
      out.push(entry);
    }
    for (const [key] of out) this.byKey.delete(key);
    return out;
  }

  /** The one filed under `key` (a grant id, hex), taken out; null if none waits. */
  takeKey(key: string): FiledChain | null {
    const chain = this.byKey.get(key);
    if (!chain) return null;
    this.byKey.delete(key);
    return [key, chain];
  }

  /**
   * Those whose leaf carries these bytes anywhere (a 32-byte keyed digest matches nothing by
   * chance), taken out. A byte search, no decoding: the caller verifies what it gets.
   */
  takeCarrying(bytes: Uint8Array): FiledChain[] {
    const out: FiledChain[] = [];
    for (const entry of this.byKey) {
      const leaf = entry[1].at(-1);
      if (leaf && Buffer.from(leaf.buffer, leaf.byteOffset, leaf.length).indexOf(bytes) >= 0) out.push(entry);
    }
    for (const [key] of out) this.byKey.delete(key);
    return out;
  }
}
