// AccessStore on disk, power-loss safe. A state directory (0700) holds:
//   journal,     append-only records [u32 length][u8 type][payload][u32 CRC-32], fsync'd per append,
//   journal.mirror  kept twice (mirrored-journal.ts): uses, time floor, lockout, mode, command nonces;
//                replayed at open, a torn tail cut off, damage or a lost copy reported and repaired;
//   <name>.a, <name>.b  signed snapshots (revocation list, heartbeat) in two slots, one fsync per
//                update (snapshot-slots.ts); a torn or damaged slot is reported;
//   grants       the grants pushed to the lock (grant-journal.ts), read when first needed (after
//                ready) and verified again by the core.
// The trusted-time floor is raised in memory on every reading and made durable off the decision
// path: inside the next use commit's record (one append), on a timer, and at close.
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../hal/ports/clock.js';
import { GrantJournal } from './grant-journal.js';
import type { Storage } from '../../hal/ports/storage.js';
import { nodeStorage } from '../../hal/node/storage.js';
import type { JournalDamage, JournalRecord } from './journal.js';
import { MirroredJournal } from './mirrored-journal.js';
import { SnapshotSlots } from './snapshot-slots.js';
import { type AccessStore, type SnapshotName, STATE_NAMES, type StateName, StoreError } from './store.js';

const RECORD_USE = 1;
const RECORD_TIME = 2;
const RECORD_STATE = 3;
const RECORD_NONCE = 4;
/** A use and the time floor in one record: the floor rides along with the use commit. */
const RECORD_USE_TIME = 5;
/** The first record of a new journal: an empty journal beside other state is then a lost one, not a new one. */
const RECORD_GENESIS = 6;
/** How often the floor is made durable when it has moved and no use commit carried it. */
export const TIME_PERSIST_INTERVAL_MS = 60_000;

export class FileStore implements AccessStore {
  private readonly uses = new Map<string, number>();
  private readonly states = new Map<StateName, Uint8Array>();
  private readonly nonces = new Map<string, number>();
  private floor = 0;
  private persistedFloor = 0;
  private readonly journal: MirroredJournal;
  /** Opened when first needed: a large store is read after ready, not before. */
  private grantJournal: GrantJournal | null = null;
  private readonly snapshots: Record<SnapshotName, SnapshotSlots>;

  private readonly missing: JournalDamage | null = null;
  private readonly floorTimer: TimerHandle | null;

  /**
   * `now` (ms) dates damage found at open (uses may be lost from then on). With `clock`, the time
   * floor is persisted every TIME_PERSIST_INTERVAL_MS while it moves.
   */
  constructor(
    private readonly dir: string,
    private readonly fs: Storage = nodeStorage,
    now: () => number = Date.now,
    clock?: Clock,
  ) {
    const existed = fs.sizeOf(join(dir, 'journal')) > 0 || fs.sizeOf(join(dir, 'journal.mirror')) > 0;
    const others = ['grants', 'outbox', ...['revocations', 'heartbeat'].flatMap((n) => [`${n}.a`, `${n}.b`, `${n}.cose`])];
    this.journal = new MirroredJournal(dir, 'journal', (r) => this.apply(r), 64, fs);
    this.persistedFloor = this.floor;
    this.snapshots = { revocations: new SnapshotSlots(dir, 'revocations', fs), heartbeat: new SnapshotSlots(dir, 'heartbeat', fs) };
    this.floorTimer = clock?.every(TIME_PERSIST_INTERVAL_MS, () => this.flushTimeFloorQuietly()) ?? null;
    // Both copies gone (or emptied) while the lock's other state is there: its uses cannot be proven.
    if (!existed && others.some((f) => fs.sizeOf(join(dir, f)) > 0)) {
      this.missing = { file: 'journal', offset: 0, skippedBytes: 0 };
    } else if (!existed) {
      // A new lock: its journal starts with a record at once, before any other state file exists.
      try {
        this.append(RECORD_GENESIS, new Uint8Array(0));
      } catch {
        // written with the first record instead
      }
    }
    const dated = this.states.get('damage');
    if (this.unprovenAtOpen && !(dated?.length === 8 && Buffer.from(dated).readBigUInt64BE(0) > 0n)) {
      try {
        this.putState('damage', encodeTime(now()));
      } catch {
        // Not recorded: found again (and dated again) at the next boot.
      }
    }
  }

  /** What was found damaged at open in the access journal, for the owner's event and the fail-safe rules. */
  get damage(): JournalDamage[] {
    return [...this.journal.damage, this.missing].filter((d) => d !== null);
  }

  /** Told of damage found in the grants file when it is read (after ready). */
  onGrantsDamage: ((damage: JournalDamage) => void) | null = null;

  private get grants(): GrantJournal {
    if (!this.grantJournal) {
      this.grantJournal = new GrantJournal(this.dir, this.fs);
      if (this.grantJournal.damage) this.onGrantsDamage?.(this.grantJournal.damage);
    }
    return this.grantJournal;
  }

  /** Records may have been lost (both journal copies short or damaged): uses cannot be proven. */
  private get unprovenAtOpen(): boolean {
    return this.journal.recordsUnproven || this.missing !== null;
  }

  usesUnprovenSince(): number | null {
    const saved = this.states.get('damage');
    // Damage found but its date not written: every use-limited grant counts as unproven.
    if (!saved || saved.length !== 8) return this.unprovenAtOpen ? Number.MAX_SAFE_INTEGER : null;
    const at = Number(Buffer.from(saved).readBigUInt64BE(0));
    return at > 0 ? at : null;
  }

  acknowledgeDamage(): void {
    this.putState('damage', encodeTime(0));
  }

  loadGrants(): Map<string, Uint8Array[]> {
    try {
      return this.grants.all();
    } catch (error) {
      throw new StoreError('cannot read the grants file', { cause: error });
    }
  }

  hasNonce(nonce: Uint8Array): boolean {
    return this.nonces.has(Buffer.from(nonce).toString('hex'));
  }

  keepNonce(nonce: Uint8Array, expS: number, nowS: number): void {
    if (nonce.length < 1 || nonce.length > 32) throw new StoreError('a command nonce is 1 to 32 bytes');
    for (const [n, exp] of this.nonces) if (exp < nowS) this.nonces.delete(n);
    const payload = Buffer.alloc(4 + nonce.length);
    payload.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.floor(expS))), 0);
    Buffer.from(nonce).copy(payload, 4);
    this.append(RECORD_NONCE, payload);
    this.nonces.set(Buffer.from(nonce).toString('hex'), expS);
  }

  saveGrant(key: string, chain: Uint8Array[]): void {
    try {
      this.grants.put(key, chain);
    } catch (error) {
      throw new StoreError(`cannot store grant ${key}`, { cause: error });
    }
  }

  removeGrant(key: string): void {
    try {
      this.grants.remove(key);
    } catch (error) {
      throw new StoreError(`cannot remove grant ${key}`, { cause: error });
    }
  }

  /** Bytes cut from the journal's tail at open (a write torn by power loss). */
  get tornBytes(): number {
    return this.journal.tornBytes;
  }

  usesOf(cti: Uint8Array): number {
    return this.uses.get(Buffer.from(cti).toString('hex')) ?? 0;
  }

  commitUse(cti: Uint8Array, max: number): boolean {
    const id = Buffer.from(cti).toString('hex');
    const used = this.uses.get(id) ?? 0;
    if (used >= max) return false;
    // The floor rides along with the use when it moved: one record, one append.
    const floor = this.floor;
    const withTime = floor > this.persistedFloor;
    const payload = Buffer.alloc(withTime ? 28 : 20);
    Buffer.from(cti).copy(payload, 0, 0, 16);
    payload.writeUInt32BE(used + 1, 16);
    if (withTime) payload.writeBigUInt64BE(BigInt(Math.floor(floor)), 20);
    this.append(withTime ? RECORD_USE_TIME : RECORD_USE, payload);
    this.uses.set(id, used + 1);
    if (withTime) this.persistedFloor = floor;
    return true;
  }

  timeFloor(): number {
    return this.floor;
  }

  /** In memory only: no write on the decision path (see flushTimeFloor). */
  raiseTimeFloor(ms: number): void {
    if (ms > this.floor) this.floor = ms;
  }

  /** The floor as it would be found after a power cut now. */
  get persistedTimeFloor(): number {
    return this.persistedFloor;
  }

  /** Make the floor durable if it moved since it last was. Throws StoreError. */
  flushTimeFloor(): void {
    if (this.floor > this.persistedFloor) this.persistFloor();
  }

  /** From the timer and at close: a failed write is tried again on the next tick or use commit. */
  private flushTimeFloorQuietly(): void {
    try {
      this.flushTimeFloor();
    } catch {
      // The floor holds in memory; nothing is lost that a later write will not carry.
    }
  }

  loadSnapshot(name: SnapshotName): Uint8Array | null {
    return this.snapshots[name].load();
  }

  snapshotSource(name: SnapshotName): { file: string | null; damaged: readonly string[] } {
    return { file: this.snapshots[name].source, damaged: this.snapshots[name].damaged };
  }

  snapshotReported(name: SnapshotName): boolean {
    return this.snapshots[name].reported;
  }

  markSnapshotReported(name: SnapshotName): void {
    this.snapshots[name].markReported();
  }

  saveSnapshot(name: SnapshotName, bytes: Uint8Array): void {
    try {
      this.snapshots[name].save(bytes);
    } catch (error) {
      throw new StoreError(`cannot save ${name} snapshot`, { cause: error });
    }
  }

  getState(name: StateName): Uint8Array | null {
    return this.states.get(name) ?? null;
  }

  putState(name: StateName, bytes: Uint8Array): void {
    if (bytes.length > 32) throw new StoreError(`state ${name} is over 32 bytes`);
    this.append(RECORD_STATE, Buffer.concat([Buffer.from([STATE_NAMES.indexOf(name)]), Buffer.from(bytes)]));
    this.states.set(name, new Uint8Array(bytes));
  }

  close(): void {
    this.floorTimer?.cancel();
    try {
      this.flushTimeFloor();
    } catch {
      // A failing card at shutdown: the floor falls back to the last one written (time never goes back past it).
    } finally {
      this.journal.close();
      this.grantJournal?.close();
    }
  }

  private persistFloor(): void {
    const floor = this.floor;
    this.append(RECORD_TIME, encodeTime(floor));
    this.persistedFloor = floor;
  }

  private append(type: number, payload: Uint8Array): void {
    try {
      this.journal.append(type, payload);
    } catch (error) {
      throw new StoreError('cannot append to the journal', { cause: error });
    }
  }

  /** One replayed record; false for one we do not know (the intact prefix ends there). */
  private apply({ type, payload }: JournalRecord): boolean {
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    if (type === RECORD_GENESIS && body.length === 0) return true;
    if ((type === RECORD_USE && body.length === 20) || (type === RECORD_USE_TIME && body.length === 28)) {
      const id = body.subarray(0, 16).toString('hex');
      this.uses.set(id, Math.max(this.uses.get(id) ?? 0, body.readUInt32BE(16)));
      if (type === RECORD_USE_TIME) this.floor = Math.max(this.floor, Number(body.readBigUInt64BE(20)));
    } else if (type === RECORD_TIME && body.length === 8) {
      this.floor = Math.max(this.floor, Number(body.readBigUInt64BE(0)));
    } else if (type === RECORD_NONCE && body.length > 4 && body.length <= 36) {
      this.nonces.set(body.subarray(4).toString('hex'), body.readUInt32BE(0));
    } else if (type === RECORD_STATE && body.length >= 1 && STATE_NAMES[body[0]!]) {
      this.states.set(STATE_NAMES[body[0]!]!, new Uint8Array(body.subarray(1)));
    } else {
      return false;
    }
    return true;
  }
}

function encodeTime(ms: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(ms))));
  return b;
}
