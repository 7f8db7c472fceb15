// The durable state the access core needs, as a port: use counters committed before the bolt
// moves, the trusted-time floor, and signed snapshots (revocation list, heartbeat).

export type SnapshotName = 'revocations' | 'heartbeat';

/**
 * Small named records kept in the journal (at most 32 bytes each): keypad lockout, operating mode,
 * damage acknowledgement, the guess budgets of Home Assistant and the barcode reader, and the
 * forward-clock guard. Append only: a record names its state by index.
 */
export const STATE_NAMES = ['keypad', 'mode', 'damage', 'remote-budget', 'barcode-budget', 'clock'] as const;
export type StateName = (typeof STATE_NAMES)[number];

/** An infrastructure fault in durable storage; the access core denies rather than guess. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code = 'E_STORE';
}

export interface AccessStore {
  /** Uses committed so far for a grant id (16 bytes). */
  usesOf(cti: Uint8Array): number;
  /**
   * Durably record one more use if fewer than `max` are recorded: true once the record is on
   * stable storage, false when the grant is used up. Throws StoreError when it cannot write.
   */
  commitUse(cti: Uint8Array, max: number): boolean;
  /** The highest trusted time seen (ms), as persisted. */
  timeFloor(): number;
  /** Raise the floor in memory; persisted off the decision path (with the next use commit, on a timer, at close). */
  raiseTimeFloor(ms: number): void;
  /** The newest copy of a snapshot that checks on disk, or null. */
  loadSnapshot(name: SnapshotName): Uint8Array | null;
  /** The file the loaded copy came from, and copies found at open that do not check (torn or damaged), for the owner's state-damaged event. */
  snapshotSource(name: SnapshotName): { file: string | null; damaged: readonly string[] };
  /** False when the snapshot in force was saved but its outcome event may not have reached the outbox (a power cut right after the PUBACK). */
  snapshotReported(name: SnapshotName): boolean;
  /** Its outcome event is in the outbox: noted (no fsync needed; a lost note only repeats the event). */
  markSnapshotReported(name: SnapshotName): void;
  /** Replace a snapshot durably, whole or not at all (the copy before it stays readable). Throws StoreError. */
  saveSnapshot(name: SnapshotName, bytes: Uint8Array): void;
  /** The last value written under `name`, or null. */
  getState(name: StateName): Uint8Array | null;
  /** Durably replace a small state record (at most 32 bytes). Throws StoreError. */
  putState(name: StateName, bytes: Uint8Array): void;
  /** Whether a remote command's nonce (at most 32 bytes) was seen and is kept (until its expiry). */
  hasNonce(nonce: Uint8Array): boolean;
  /**
   * Durably remember a command nonce until `expS` (seconds) before the command acts; forget the ones
   * expired before `nowS`. Throws StoreError.
   */
  keepNonce(nonce: Uint8Array, expS: number, nowS: number): void;
  /**
   * When (ms) damage was found that may have lost use records, until the owner acknowledges it
   * (`acknowledgeDamage`); null when every use is proven. Use-limited grants issued before then are
   * refused (`uses-unproven`), the owner's own grants excepted.
   */
  usesUnprovenSince(): number | null;
  /** The owner acknowledged the damage (an owner-signed command): uses count as proven again. Throws StoreError. */
  acknowledgeDamage(): void;
  /** The grants pushed to the lock, as stored (each a chain, root first), by the core's grant key. */
  loadGrants(): Map<string, Uint8Array[]>;
  /** Durably keep a grant (replacing one with the same key) before the lock says it has it. Throws StoreError. */
  saveGrant(key: string, chain: Uint8Array[]): void;
  /** Durably forget a grant. Throws StoreError. */
  removeGrant(key: string): void;
}

/** In memory: for tests and benchmarks. */
export class MemoryStore implements AccessStore {
  private readonly uses = new Map<string, number>();
  private floor = 0;
  private readonly snapshots = new Map<SnapshotName, Uint8Array>();

  usesOf(cti: Uint8Array): number {
    return this.uses.get(Buffer.from(cti).toString('hex')) ?? 0;
  }
  commitUse(cti: Uint8Array, max: number): boolean {
    const id = Buffer.from(cti).toString('hex');
    const used = this.uses.get(id) ?? 0;
    if (used >= max) return false;
    this.uses.set(id, used + 1);
    return true;
  }
  timeFloor(): number {
    return this.floor;
  }
  raiseTimeFloor(ms: number): void {
    this.floor = Math.max(this.floor, ms);
  }
  loadSnapshot(name: SnapshotName): Uint8Array | null {
    return this.snapshots.get(name) ?? null;
  }
  saveSnapshot(name: SnapshotName, bytes: Uint8Array): void {
    this.snapshots.set(name, new Uint8Array(bytes));
  }
  snapshotSource(name: SnapshotName): { file: string | null; damaged: readonly string[] } {
    return { file: this.snapshots.has(name) ? name : null, damaged: [] };
  }
  snapshotReported(): boolean {
    return true;
  }
  markSnapshotReported(): void {}
  private readonly states = new Map<StateName, Uint8Array>();
  getState(name: StateName): Uint8Array | null {
    return this.states.get(name) ?? null;
  }
  putState(name: StateName, bytes: Uint8Array): void {
    this.states.set(name, new Uint8Array(bytes));
  }
  usesUnprovenSince(): number | null {
    return null;
  }
  acknowledgeDamage(): void {}
  private readonly nonces = new Map<string, number>();
  hasNonce(nonce: Uint8Array): boolean {
    return this.nonces.has(Buffer.from(nonce).toString('hex'));
  }
  keepNonce(nonce: Uint8Array, expS: number, nowS: number): void {
    for (const [n, exp] of this.nonces) if (exp < nowS) this.nonces.delete(n);
    this.nonces.set(Buffer.from(nonce).toString('hex'), expS);
  }
  private readonly grants = new Map<string, Uint8Array[]>();
  loadGrants(): Map<string, Uint8Array[]> {
    return new Map(this.grants);
  }
  saveGrant(key: string, chain: Uint8Array[]): void {
    this.grants.set(key, chain.map((b) => new Uint8Array(b)));
  }
  removeGrant(key: string): void {
    this.grants.delete(key);
  }
}
