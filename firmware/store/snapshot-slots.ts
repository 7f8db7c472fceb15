// A signed snapshot (the revocation list, the heartbeat) kept in two slot files, `<name>.a` and
// `<name>.b`, each one frame: ['LSS1'][u64 generation][u32 length][bytes][u32 CRC-32 of all before].
// An update overwrites, in place, the slot that does not hold the newest copy and fsyncs that file
// once; a slot file is created whole (temp, fsync, rename, fsync the directory), and an existing
// one's directory entry is fsync'd once per run. A write torn by a power cut leaves the other slot
// whole. At open the valid slot with the higher generation wins; a slot that exists but does not
// check (torn or damaged) is named in `damaged`, so the lock says so and asks the owner's retained
// copy again rather than trust an older one silently.
// `<name>.reported` holds the generation whose outcome event is in the outbox, written without an
// fsync after that event: if it is lost or behind, the event is appended again (at least once, never lost);
// if it is ahead of every slot, a slot file was deleted, and that is reported like a damaged slot.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Storage } from '../../hal/ports/storage.js';
import { fsyncDir, writeAtomic, writeFully } from './journal.js';

const MAGIC = 0x4c535331; // 'LSS1'
const HEAD = 16;
const SLOTS = ['a', 'b'] as const;
type Slot = (typeof SLOTS)[number];

export class SnapshotSlots {
  /**
   * The newest valid copy found at open or written since: its slot and generation, and its bytes
   * as read at open until they are first loaded (a 100,000-entry list is 1.6 MB, not to be held
   * twice: the lock keeps what it decoded). Later loads read the slot again.
   */
  private newest: { slot: Slot; generation: number; bytes: Uint8Array | null } | null = null;
  /** Slot files found at open that exist but do not check (torn or damaged). */
  readonly damaged: string[] = [];
  /** Slots that do not check and have not been written since: the next save writes them too. */
  private readonly unreadable = new Set<Slot>();
  /** The snapshot came from the format before slots (`<name>.cose`, written atomically). */
  readonly legacy: boolean = false;
  /** The generation whose outcome event is known to be in the outbox. */
  private reportedGeneration = 0;
  /** Slots whose directory entry this run has made durable. */
  private readonly entrySynced = new Set<Slot>();

  constructor(
    private readonly dir: string,
    readonly name: string,
    private readonly fs: Storage,
  ) {
    let found = false;
    for (const slot of SLOTS) {
      const path = this.path(slot);
      if (fs.sizeOf(path) < 0) continue;
      found = true;
      const copy = readSlot(fs, path);
      if (!copy) {
        this.damaged.push(this.file(slot));
        this.unreadable.add(slot);
      }
      else if (!this.newest || copy.generation > this.newest.generation) this.newest = { slot, ...copy };
    }
    try {
      const marker = fs.readFileSync(this.markerPath);
      if (marker.length === 12 && crc32(marker.subarray(0, 8)) === marker.readUInt32BE(8)) this.reportedGeneration = Number(marker.readBigUInt64BE(0));
    } catch {
      // none yet, or unreadable: the copy in force counts as not reported
    }
    // A newer copy than any slot holds was reported: its slot file was deleted (a power cut tears at
    // most the slot being written, and a new slot file appears whole). Named like a damaged slot.
    if (this.reportedGeneration > (this.newest?.generation ?? 0)) {
      const lost = this.file(this.newest?.slot === 'a' ? 'b' : 'a');
      if (!this.damaged.includes(lost)) this.damaged.push(lost);
    }
    if (!found) {
      // No slot yet: a state directory from before slots keeps its snapshot in `<name>.cose`.
      try {
        this.newest = { slot: 'b', generation: 0, bytes: new Uint8Array(fs.readFileSync(join(dir, `${name}.cose`))) };
        this.legacy = true;
      } catch {
        // none saved
      }
    }
  }

  /** The state-directory file the copy in force came from, or null. */
  get source(): string | null {
    if (!this.newest) return null;
    return this.legacy && this.newest.generation === 0 ? `${this.name}.cose` : this.file(this.newest.slot);
  }

  /** False when the copy in force was saved but its outcome event may not be in the outbox. */
  get reported(): boolean {
    return !this.newest || this.newest.generation <= this.reportedGeneration;
  }

  /** The outcome event of the copy in force is in the outbox (durably): noted without an fsync. */
  markReported(): void {
    if (this.reported) return;
    const generation = this.newest!.generation;
    const marker = Buffer.alloc(12);
    marker.writeBigUInt64BE(BigInt(generation), 0);
    marker.writeUInt32BE(crc32(marker.subarray(0, 8)), 8);
    try {
      const fd = this.fs.openSync(this.markerPath, 'w', 0o600);
      try {
        writeFully(this.fs, fd, marker);
      } finally {
        this.fs.closeSync(fd);
      }
    } catch {
      // Not noted: the event is appended once more at the next boot (consumers dedupe by content).
    }
    this.reportedGeneration = generation;
  }

  private get markerPath(): string {
    return join(this.dir, `${this.name}.reported`);
  }

  load(): Uint8Array | null {
    if (!this.newest) return null;
    const { bytes } = this.newest;
    if (bytes) {
      this.newest.bytes = null;
      return bytes;
    }
    if (this.legacy && this.newest.generation === 0) return readLegacy(this.fs, this.dir, this.name);
    const copy = readSlot(this.fs, this.path(this.newest.slot));
    return copy && copy.generation === this.newest.generation ? copy.bytes : null;
  }

  /** Write `bytes` into the slot that does not hold the newest copy: one fsync (and the directory's once per slot per run). Throws. */
  save(bytes: Uint8Array): void {
    const slot: Slot = this.newest?.slot === 'a' ? 'b' : 'a';
    // Past any generation reported, so a copy saved after a lost one is never taken for it.
    const generation = Math.max(this.newest?.generation ?? 0, this.reportedGeneration) + 1;
    const frame = Buffer.alloc(HEAD + bytes.length + 4);
    frame.writeUInt32BE(MAGIC, 0);
    frame.writeBigUInt64BE(BigInt(generation), 4);
    frame.writeUInt32BE(bytes.length, 12);
    frame.set(bytes, HEAD);
    frame.writeUInt32BE(crc32(frame.subarray(0, HEAD + bytes.length)), HEAD + bytes.length);
    this.write(slot, frame);
    // A slot found damaged is overwritten too (a second fsync, this once), or it is reported again at every boot.
    const other: Slot = slot === 'a' ? 'b' : 'a';
    if (this.unreadable.has(other)) this.write(other, frame);
    this.newest = { slot, generation, bytes: null };
  }

  /**
   * A slot is created whole (temp file, fsync, rename, fsync the directory: never an empty or
   * half-written slot file, not even after a kill); afterwards it is overwritten in place, one fsync.
   * A write that fails leaves the slot torn (reported at boot if nothing good replaces it), never the other.
   */
  private write(slot: Slot, frame: Buffer): void {
    const path = this.path(slot);
    const size = this.fs.sizeOf(path);
    if (size < 0) {
      writeAtomic(this.dir, this.file(slot), [frame], this.fs);
      this.entrySynced.add(slot);
    } else {
      const fd = this.fs.openSync(path, 'r+', 0o600);
      try {
        writeFully(this.fs, fd, frame);
        if (size > frame.length) this.fs.ftruncateSync(fd, frame.length);
        this.fs.fsyncSync(fd);
      } finally {
        this.fs.closeSync(fd);
      }
      // Its entry may come from a run killed before the directory's fsync: made durable once per run.
      if (!this.entrySynced.has(slot)) {
        fsyncDir(this.dir, this.fs);
        this.entrySynced.add(slot);
      }
    }
    this.unreadable.delete(slot);
  }

  private path(slot: Slot): string {
    return join(this.dir, this.file(slot));
  }

  private file(slot: Slot): string {
    return `${this.name}.${slot}`;
  }
}

/** The snapshot of a state directory from before slots, or null. */
function readLegacy(fs: Storage, dir: string, name: string): Uint8Array | null {
  try {
    return new Uint8Array(fs.readFileSync(join(dir, `${name}.cose`)));
  } catch {
    return null;
  }
}

/** A slot's generation and bytes when its frame checks, or null (empty, torn, damaged, unreadable). */
function readSlot(fs: Storage, path: string): { generation: number; bytes: Uint8Array } | null {
  let frame: Buffer;
  try {
    frame = fs.readFileSync(path);
  } catch {
    return null;
  }
  if (frame.length < HEAD + 4 || frame.readUInt32BE(0) !== MAGIC) return null;
  const length = frame.readUInt32BE(12);
  // Longer is a shorter frame written over a longer one, killed before the tail was cut: the CRC decides.
  if (frame.length < HEAD + length + 4) return null;
  if (crc32(frame.subarray(0, HEAD + length)) !== frame.readUInt32BE(HEAD + length)) return null;
  const generation = Number(frame.readBigUInt64BE(4));
  return generation > 0 ? { generation, bytes: new Uint8Array(frame.subarray(HEAD, HEAD + length)) } : null;
}
